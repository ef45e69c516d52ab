import { freePort } from '../../src/testing/index.js';
import { runExample } from '../../examples/otel-prometheus.js';
import { useBeanstalkd } from '../helpers/setup.js';

describe('examples/otel-prometheus.ts', () => {
  const ctx = useBeanstalkd();

  test('serves the metrics to Prometheus on 127.0.0.1 and prints the spans', async () => {
    const printed: unknown[] = [];
    const dir = jest.spyOn(console, 'dir').mockImplementation((span) => void printed.push(span));
    const example = await runExample({ url: ctx.server.url, metricsPort: await freePort(), jobs: 6 });
    try {
      expect(example.events.filter((e) => e.type === 'succeeded')).toHaveLength(4);
      expect(example.events.filter((e) => e.type === 'buried')).toHaveLength(2);
      const response = await fetch(example.metricsUrl);
      const text = await response.text();
      const line = (name: string, labels: string) =>
        text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
      expect(line('messaging_client_sent_messages_total', 'messaging_destination_name="emails"')).toMatch(/ 6$/);
      const processed = 'messaging_beanstalkd_processed_messages_total';
      expect(line(processed, 'job_outcome="succeeded"')).toMatch(/ 4$/);
      expect(line(processed, 'job_outcome="buried",error_type="Error"')).toMatch(/ 2$/);
      expect(line('messaging_beanstalkd_queue_depth', 'job_state="buried"')).toMatch(/ 2$/);
      expect(line('messaging_process_duration_count', 'job_outcome="succeeded"')).toMatch(/ 4$/);
    } finally {
      await example.close();
      dir.mockRestore();
    }
    const names = printed.map((span) => (span as { name?: string }).name);
    expect(names.filter((n) => n === 'put emails')).toHaveLength(6);
    expect(names.filter((n) => n === 'process emails')).toHaveLength(6);
    expect(names.filter((n) => n === 'bury emails')).toHaveLength(2);
  });
});
