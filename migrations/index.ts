import { Foundation1764130000000 } from './1764130000000-Foundation.js';
import { IdentityAudit1764140000000 } from './1764140000000-IdentityAudit.js';
import { Ledger1764150000000 } from './1764150000000-Ledger.js';
import { LedgerIntegrity1764160000000 } from './1764160000000-LedgerIntegrity.js';
import { JobQueue1764170000000 } from './1764170000000-JobQueue.js';
import { LedgerCounters1764180000000 } from './1764180000000-LedgerCounters.js';
import { Catalog1764190000000 } from './1764190000000-Catalog.js';
import { Orders1764200000000 } from './1764200000000-Orders.js';
import { ListingImages1764210000000 } from './1764210000000-ListingImages.js';
import { SearchLexicon1764220000000 } from './1764220000000-SearchLexicon.js';
import { Payments1764230000000 } from './1764230000000-Payments.js';
import { PaymentWebhooks1764240000000 } from './1764240000000-PaymentWebhooks.js';
import { RouteAccounts1764250000000 } from './1764250000000-RouteAccounts.js';
import { PaymentAlerts1764260000000 } from './1764260000000-PaymentAlerts.js';
import { Refunds1764270000000 } from './1764270000000-Refunds.js';
import { EscrowControls1764280000000 } from './1764280000000-EscrowControls.js';
import { Disputes1764290000000 } from './1764290000000-Disputes.js';
import { CommissionRules1764300000000 } from './1764300000000-CommissionRules.js';
import { RefundsAfterRelease1764310000000 } from './1764310000000-RefundsAfterRelease.js';
import { TransferAlerts1764320000000 } from './1764320000000-TransferAlerts.js';
import { Reconciliation1764330000000 } from './1764330000000-Reconciliation.js';
import { TaxableLines1764340000000 } from './1764340000000-TaxableLines.js';
import { GstinRules1764350000000 } from './1764350000000-GstinRules.js';
import { OrderLineCancellations1764360000000 } from './1764360000000-OrderLineCancellations.js';
import { RouteTransferAmounts1764365000000 } from './1764365000000-RouteTransferAmounts.js';
import { WebhookVerification1764370000000 } from './1764370000000-WebhookVerification.js';
import { OrderRefunds1764395000000 } from './1764395000000-OrderRefunds.js';
import { FraudChecks1764410000000 } from './1764410000000-FraudChecks.js';
import { AccountRecovery1764420000000 } from './1764420000000-AccountRecovery.js';
import { GenericPayables1764430000000 } from './1764430000000-GenericPayables.js';
import { PayeeOnboarding1764440000000 } from './1764440000000-PayeeOnboarding.js';
import { MoneyStateHistory1764450000000 } from './1764450000000-MoneyStateHistory.js';
import { ProposalHistory1764460000000 } from './1764460000000-ProposalHistory.js';
import { MoneyObjectHistory1764470000000 } from './1764470000000-MoneyObjectHistory.js';
import { RepairLifecycle1764510000000 } from './1764510000000-RepairLifecycle.js';
import { RepairOffers1764520000000 } from './1764520000000-RepairOffers.js';
import { RepairRefunds1764540000000 } from './1764540000000-RepairRefunds.js';
import { RepairCommissionInvoices1764550000000 } from './1764550000000-RepairCommissionInvoices.js';
import { TechnicianReadiness1764580000000 } from './1764580000000-TechnicianReadiness.js';
import { SupplementaryQuotes1764590000000 } from './1764590000000-SupplementaryQuotes.js';
import { RepairDisputes1764600000000 } from './1764600000000-RepairDisputes.js';
import { HeldEscrowHolds1764610000000 } from './1764610000000-HeldEscrowHolds.js';
import { CfoRole1764620000000 } from './1764620000000-CfoRole.js';
import { RepairRefundsAfterRelease1764630000000 } from './1764630000000-RepairRefundsAfterRelease.js';
import { PrincipalChanges1764640000000 } from './1764640000000-PrincipalChanges.js';
import { VisitFeeRefundAtRelease1764660000000 } from './1764660000000-VisitFeeRefundAtRelease.js';
import { Chat1764670000000 } from './1764670000000-Chat.js';
import { CallsAndPush1764680000000 } from './1764680000000-CallsAndPush.js';
import { RemoteRepair1764690000000 } from './1764690000000-RemoteRepair.js';
import { ChatReportResolutions1764710000000 } from './1764710000000-ChatReportResolutions.js';
import { RepairJobMedia1764720000000 } from './1764720000000-RepairJobMedia.js';
import { KycDocuments1764730000000 } from './1764730000000-KycDocuments.js';
import { StatutoryReturns1764740000000 } from './1764740000000-StatutoryReturns.js';
import { KycPdfDocuments1764742000000 } from './1764742000000-KycPdfDocuments.js';
import { RemoteSessionRelays1764745000000 } from './1764745000000-RemoteSessionRelays.js';
import { InvoiceNumbersSixteen1764746000000 } from './1764746000000-InvoiceNumbersSixteen.js';
import { TechnicianStandingCounters1764750000000 } from './1764750000000-TechnicianStandingCounters.js';
import { CommissionCreditNotes1764760000000 } from './1764760000000-CommissionCreditNotes.js';
import { PayeeSettlementHistory1764480000000 } from './1764480000000-PayeeSettlementHistory.js';
import { Ratings1764500000000 } from './1764500000000-Ratings.js';
import { TechnicianLocation1764490000000 } from './1764490000000-TechnicianLocation.js';
import { PaymentTerminal1764560000000 } from './1764560000000-PaymentTerminal.js';

/** Every migration, in order. A unit test checks that each file in this folder is listed here. */
export const migrations = [
  Foundation1764130000000,
  IdentityAudit1764140000000,
  Ledger1764150000000,
  LedgerIntegrity1764160000000,
  JobQueue1764170000000,
  LedgerCounters1764180000000,
  Catalog1764190000000,
  Orders1764200000000,
  ListingImages1764210000000,
  SearchLexicon1764220000000,
  Payments1764230000000,
  PaymentWebhooks1764240000000,
  RouteAccounts1764250000000,
  PaymentAlerts1764260000000,
  Refunds1764270000000,
  EscrowControls1764280000000,
  Disputes1764290000000,
  CommissionRules1764300000000,
  RefundsAfterRelease1764310000000,
  TransferAlerts1764320000000,
  Reconciliation1764330000000,
  TaxableLines1764340000000,
  GstinRules1764350000000,
  OrderLineCancellations1764360000000,
  RouteTransferAmounts1764365000000,
  WebhookVerification1764370000000,
  OrderRefunds1764395000000,
  FraudChecks1764410000000,
  AccountRecovery1764420000000,
  GenericPayables1764430000000,
  PayeeOnboarding1764440000000,
  MoneyStateHistory1764450000000,
  ProposalHistory1764460000000,
  MoneyObjectHistory1764470000000,
  PayeeSettlementHistory1764480000000,
  TechnicianLocation1764490000000,
  Ratings1764500000000,
  RepairLifecycle1764510000000,
  RepairOffers1764520000000,
  RepairRefunds1764540000000,
  RepairCommissionInvoices1764550000000,
  PaymentTerminal1764560000000,
  TechnicianReadiness1764580000000,
  SupplementaryQuotes1764590000000,
  RepairDisputes1764600000000,
  HeldEscrowHolds1764610000000,
  CfoRole1764620000000,
  RepairRefundsAfterRelease1764630000000,
  PrincipalChanges1764640000000,
  VisitFeeRefundAtRelease1764660000000,
  Chat1764670000000,
  CallsAndPush1764680000000,
  RemoteRepair1764690000000,
  ChatReportResolutions1764710000000,
  RepairJobMedia1764720000000,
  KycDocuments1764730000000,
  StatutoryReturns1764740000000,
  KycPdfDocuments1764742000000,
  RemoteSessionRelays1764745000000,
  InvoiceNumbersSixteen1764746000000,
  TechnicianStandingCounters1764750000000,
  CommissionCreditNotes1764760000000,
];
