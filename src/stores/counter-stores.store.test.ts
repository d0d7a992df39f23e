/** Runs the CounterStore conformance suite on the in-process store and on a real Redis. */
import { describeCounterConformance } from '../testing/counter-conformance.ts';
import { openTestRedisCounters } from '../testing/test-redis.ts';
import { createMemoryCounterStore } from './memory/counter-store.ts';

describeCounterConformance('memory', async () => {
  const counters = createMemoryCounterStore();
  return { counters, dispose: () => counters.close() };
});

describeCounterConformance('redis', openTestRedisCounters);
