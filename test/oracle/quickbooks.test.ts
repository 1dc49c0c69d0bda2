import { ledgerOracle } from './oracle.ts';

ledgerOracle('quickbooks');
