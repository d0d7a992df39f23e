/** @module The one account every authenticated peer logs in as. */
export const BENCH_USER = {
  email: 'bench@example.com',
  name: 'Bench User',
  password: 'Quiet-Harbour-Lantern-4817',
  role: 'member',
} as const;
