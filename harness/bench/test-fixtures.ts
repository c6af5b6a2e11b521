// Test-only builder of valid bench result documents, shared by result.test.ts and compare.test.ts so each test
// states only the fields it is about.
import type { BenchResult } from './result.ts';

export interface FixtureOptions {
  vendor?: string;
  variant?: string;
  carrier?: string;
  emulated?: boolean;
  timingModel?: string;
  operation?: BenchResult['operation'];
  samplesNs?: number[];
  interrupted?: boolean;
}

export function benchResult(o: FixtureOptions = {}): BenchResult {
  const samplesNs = o.samplesNs ?? [60_700_000, 60_650_000, 60_720_000, 60_690_000, 60_710_000, 60_680_000];
  const operation = o.operation ?? { name: 'sign', algorithm: 'rsa2048', iterations: samplesNs.length, warmup: 2 };
  const card: BenchResult['card'] = {
    atr: '3B9F96801FC78031E073FE211B63F100868300',
    variant: o.variant ?? 'USIM-A',
    vendor: o.vendor ?? 'Acme Cards',
    carrier: o.carrier ?? 'Carrier One',
    emulated: o.emulated ?? false,
  };
  if (o.timingModel !== undefined) card.timingModel = o.timingModel;
  return {
    schema: 'simcert-bench/1',
    harnessVersion: '0.1.0',
    startedAt: '2026-03-01T09:30:00.000Z',
    finishedAt: '2026-03-01T09:31:10.250Z',
    host: { hostname: 'lab-01', platform: 'linux-x64', cpus: 8, node: 'v20.19.0' },
    card,
    profile: { path: 'profiles/acme-usim-a.yaml', name: 'acme-usim-a' },
    reader: 'ACS ACR39U ICC Reader 00 00',
    operation,
    samplesNs,
    interrupted: o.interrupted ?? false,
    notes: [],
  };
}
