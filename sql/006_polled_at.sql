-- 006_polled_at: when deliveryd last took a message to ask about it. Calls a
-- limiter has to spare ask early about the rows most likely to have changed
-- (an accepted ZNS waiting for its handset receipt), and how long ago a row
-- was last asked decides which; an early question leaves the row's backoff
-- where it was, so poll_attempts now counts only the scheduled polls.
--
-- Runs while the previous release still serves: a nullable column without a
-- default is added without rewriting the table, and the older code neither
-- reads nor writes it.

ALTER TABLE delivery_state ADD COLUMN polled_at timestamptz;

COMMENT ON COLUMN delivery_state.polled_at IS
    'When deliveryd last took this message to ask a status API about it, on its schedule or early (the call may have failed since); NULL: never, or only before deliveryd kept this.';
COMMENT ON COLUMN delivery_state.poll_attempts IS
    'Polls on the backoff schedule that got an answer: the step the next one waits for. Not counted: questions asked early with spare calls, calls that failed, and listings that did not report the message.';
COMMENT ON COLUMN delivery_unresolved.poll_attempts IS
    'Polls on the backoff schedule that got an answer (delivery_state.poll_attempts).';
