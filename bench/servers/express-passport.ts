/**
 * @module Peer 4: the typical Express auth stack, each piece as its README sets it up — helmet,
 * express-session (default MemoryStore), passport-local with argon2id, express-rate-limit on the
 * login route — and an authenticated, role-checked GET.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import session from 'express-session';
import helmet from 'helmet';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { BENCH_USER } from './bench-user.ts';
import { exitOnSignal, HOST, listenPort } from './exit-on-signal.ts';

interface StackUser {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly roles: readonly string[];
}

// Stands in for the users table: an in-memory lookup flatters this stack (no database round trip).
const users = new Map<string, StackUser>();
const user: StackUser = { id: randomUUID(), email: BENCH_USER.email, passwordHash: await hash(BENCH_USER.password), roles: [BENCH_USER.role] };
users.set(user.id, user);
const byEmail = new Map([[user.email, user]]);

passport.use(
  new LocalStrategy({ usernameField: 'email' }, (email, password, done) => {
    const found = byEmail.get(email.toLowerCase());
    if (!found) return done(null, false);
    verify(found.passwordHash, password).then(
      (ok) => done(null, ok ? found : false),
      (error: unknown) => done(error),
    );
  }),
);
// Express.User may be augmented elsewhere in the tree (the Express adapter): go through `unknown`.
const stackUserOf = (user: unknown): StackUser => user as StackUser;
passport.serializeUser((u, done) => done(null, stackUserOf(u).id));
passport.deserializeUser((id: string, done) => done(null, users.get(id) ?? false));

const app = express();
app.use(helmet());
app.use(express.urlencoded({ extended: false }));
app.use(
  session({
    secret: randomBytes(32).toString('hex'),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  }),
);
app.use(passport.session());

const loginLimiter = rateLimit({ windowMs: 60_000, limit: 5, standardHeaders: 'draft-8', legacyHeaders: false });
app.post('/login', loginLimiter, passport.authenticate('local', { failureMessage: false }), (_req, res) => {
  res.json({ ok: true });
});

function requireRole(role: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.isAuthenticated()) return void res.status(401).json({ error: 'Authentication required' });
    if (!stackUserOf(req.user).roles.includes(role)) return void res.status(403).json({ error: 'Forbidden' });
    next();
  };
}

app.get('/me', requireRole(BENCH_USER.role), (req, res) => {
  res.json({ user: stackUserOf(req.user).email });
});
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});

app.listen(listenPort(), HOST);
exitOnSignal();
