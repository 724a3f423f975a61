import { demoKeygate, printDemoKey } from '@keygate/example-shared';
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const keygate = demoKeygate();
const app = buildApp(keygate);
await app.listen({ port, host: '127.0.0.1' });
await printDemoKey(keygate, 'Fastify', port);
process.on('SIGINT', () => void app.close().then(() => process.exit(0)));
