import { MemoryStore } from '../src/memory-store.js';
import { describeKeyStore } from './store-conformance.js';

describeKeyStore('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
