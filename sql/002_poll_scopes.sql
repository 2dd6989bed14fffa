-- 002_poll_scopes: one claim index per polling scope.
--
-- deliveryd polls in scopes, one replica per scope at a time (an advisory
-- lock): each eSMS account is a scope, and eTelecom, which has one API key
-- whatever a row's account says, is one scope of its own. Each scope's claim
-- reads its due rows oldest first from an index holding only that scope's
-- (and lane's) unresolved rows, so a backlog in one never slows another's claim.

DROP INDEX delivery_state_due;

-- eSMS rows come in two lanes, each with its own claim, so that one endpoint's
-- backlog never starves another: a ZNS that Zalo accepted (state sent, with
-- Zalo's message id) waits only for GetZaloMessageStatus (30 calls/s);
-- every other row is looked up by GetCallback or GetSendStatus.
CREATE INDEX delivery_state_due ON delivery_state (account, next_poll_at)
    WHERE NOT is_final AND provider = 'esms' AND (state <> 'sent' OR partner_id IS NULL);
COMMENT ON INDEX delivery_state_due IS
    'Claims of unresolved eSMS rows per account for GetCallback / GetSendStatus, oldest due first.';

CREATE INDEX delivery_state_due_zalo ON delivery_state (account, next_poll_at)
    WHERE NOT is_final AND provider = 'esms' AND state = 'sent' AND partner_id IS NOT NULL;
COMMENT ON INDEX delivery_state_due_zalo IS
    'Claims of accepted ZNS per account for GetZaloMessageStatus (the handset receipt), oldest due first.';

CREATE INDEX delivery_state_due_etelecom ON delivery_state (next_poll_at)
    WHERE NOT is_final AND provider = 'etelecom';
COMMENT ON INDEX delivery_state_due_etelecom IS
    'Claims of unresolved eTelecom rows, oldest due first (deliveryd scheduler).';
