/** @module The reference app's pages: pure hono/jsx components, props in, HTML out. No data access, no context. */
export type { Flash, FieldErrors } from './pages/parts.tsx';
export { HomePage, type HomePageProps } from './pages/home.tsx';
export { RegisterPage, LoginPage, VerifyPage, type RegisterPageProps, type LoginPageProps, type VerifyPageProps } from './pages/auth.tsx';
export { DashboardPage, type DashboardPageProps } from './pages/dashboard.tsx';
export { AccountPage, type AccountPageProps, type SessionView, type ApiTokenView } from './pages/account.tsx';
export { AdminPage, type AdminPageProps, type AdminUserRow, type RoleView } from './pages/admin.tsx';
export { ErrorPage, type ErrorPageProps } from './pages/error.tsx';
export { AuditPage, type AuditPageProps, type AuditRow, type AuditFilters } from './pages/audit.tsx';
export { SecurityPage, SecondFactorPage, type SecurityPageProps, type SecondFactorPageProps, type TotpEnrolment } from './pages/security.tsx';
export { ForgotPasswordPage, ResetPasswordPage, ChangePasswordPage, DevMailPage } from './pages/password.tsx';
export { ConfirmEmailChangePage, ConfirmEmailPage, ResendConfirmationPage } from './pages/confirm.tsx';
export { EmailSignInCodePage, EmailSignInPage } from './pages/email-signin.tsx';
export { SocialButtons, LinkedAccounts, type IdentityView, type ProviderButton } from './pages/social.tsx';
