import { crashSuite } from './suite.js';

crashSuite('ext4-weak');
