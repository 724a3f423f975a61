import { MemoryStore } from '../../src/stores/memory.js';
import { describeKeyStore } from './conformance.js';

describeKeyStore('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
