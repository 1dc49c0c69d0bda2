import { ledgerOracle } from './oracle.ts';

ledgerOracle('xero');
