import { crashSuite } from './suite.js';

crashSuite('strict-posix');
