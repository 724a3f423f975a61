import { createDemo, printDemoKey } from '@keygate/example-shared';
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const demo = await createDemo();
const app = buildApp(demo.keygate, demo.rateLimit);
await app.listen({ port, host: '127.0.0.1' });
await printDemoKey(demo, 'Fastify', port);
process.on(
  'SIGINT',
  () =>
    void app
      .close()
      .then(() => demo.close())
      .then(() => process.exit(0)),
);
