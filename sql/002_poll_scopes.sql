-- 002_poll_scopes: one claim index per polling scope.
--
-- deliveryd polls in scopes, one replica per scope at a time (an advisory
-- lock): each eSMS account is a scope, and eTelecom, which has one API key
-- whatever a row's account says, is one scope of its own. Each scope's claim
-- reads its due rows oldest first from an index holding only that scope's
-- unresolved rows, so a backlog in one scope never slows another's claim.

DROP INDEX delivery_state_due;

CREATE INDEX delivery_state_due ON delivery_state (account, next_poll_at)
    WHERE NOT is_final AND provider = 'esms';
COMMENT ON INDEX delivery_state_due IS
    'Claims of unresolved eSMS rows per account, oldest due first (deliveryd scheduler).';

CREATE INDEX delivery_state_due_etelecom ON delivery_state (next_poll_at)
    WHERE NOT is_final AND provider = 'etelecom';
COMMENT ON INDEX delivery_state_due_etelecom IS
    'Claims of unresolved eTelecom rows, oldest due first (deliveryd scheduler).';
