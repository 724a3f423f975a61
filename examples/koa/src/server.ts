import { demoKeygate, printDemoKey } from '@keygate/example-shared';
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const keygate = demoKeygate();
const server = buildApp(keygate).listen(port, '127.0.0.1', () => {
  void printDemoKey(keygate, 'Koa', port);
});
process.on('SIGINT', () => server.close(() => process.exit(0)));
