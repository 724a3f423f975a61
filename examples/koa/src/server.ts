import { createDemo, printDemoKey } from '@keygate/example-shared';
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const demo = await createDemo();
const server = buildApp(demo.keygate, demo.rateLimit).listen(port, '127.0.0.1', () => {
  void printDemoKey(demo, 'Koa', port);
});
process.on('SIGINT', () => server.close(() => void demo.close().then(() => process.exit(0))));
