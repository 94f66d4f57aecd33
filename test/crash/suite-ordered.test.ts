import { crashSuite } from './suite.js';

crashSuite('ordered');
