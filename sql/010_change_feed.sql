-- 010_change_feed: with feed.notify on, every state a message enters is
-- published on the channel delivery_state_changed, by triggers, so that a
-- service that can reach PostgreSQL follows outcomes with LISTEN and no
-- other infrastructure (docs/feed.md). The payload is JSON: sms_id, state,
-- is_final, source (the report's source that decided the state). NOTIFY is
-- transactional: a listener hears of a change only once its write
-- committed, and never of a rolled-back one.
--
-- deliveryd turns the feed on per connection (the session setting
-- deliveryd.change_feed = on), so a sender's own writes and every
-- connection of a deployment without the feed cost one setting lookup per
-- row, not a notification.
--
-- Runs while the previous release still serves: its connections never set
-- deliveryd.change_feed, so its writes go on as before; CREATE TRIGGER
-- waits only for the moment's lock on delivery_state.

CREATE FUNCTION delivery_state_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('delivery_state_changed', json_build_object(
        'sms_id', NEW.sms_id, 'state', NEW.state, 'is_final', NEW.is_final,
        'source', NEW.state_source)::text);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION delivery_state_notify() IS
    'Publishes a row''s new state on the channel delivery_state_changed (JSON: sms_id, state, is_final, source).';

CREATE TRIGGER delivery_state_feed_created AFTER INSERT ON delivery_state
    FOR EACH ROW
    WHEN (current_setting('deliveryd.change_feed', true) = 'on')
    EXECUTE FUNCTION delivery_state_notify();
CREATE TRIGGER delivery_state_feed_changed AFTER UPDATE OF state, is_final ON delivery_state
    FOR EACH ROW
    WHEN (current_setting('deliveryd.change_feed', true) = 'on'
          AND (OLD.state, OLD.is_final) IS DISTINCT FROM (NEW.state, NEW.is_final))
    EXECUTE FUNCTION delivery_state_notify();
COMMENT ON TRIGGER delivery_state_feed_created ON delivery_state IS
    'With deliveryd.change_feed on in the session: a new row''s state is published (delivery_state_notify).';
COMMENT ON TRIGGER delivery_state_feed_changed ON delivery_state IS
    'With deliveryd.change_feed on in the session: a row entering another state (or becoming final) is published.';
