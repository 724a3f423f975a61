// Express + @keygate/express, authentication only: default options and a warm cache (see keygate-instance.mjs).
import { apiKeyAuth } from '@keygate/express';
import express from 'express';
import { announce, HELLO, HOST } from './common.mjs';
import { createBenchKeygate } from './keygate-instance.mjs';

const { keygate, key } = await createBenchKeygate();

const app = express();
app.use(apiKeyAuth({ keygate }));
app.get('/hello', (_req, res) => res.json(HELLO));
const server = app.listen(0, HOST, () => announce({ port: server.address().port, key }));
