-- 005_more_sources: three more status APIs deliveryd can ask. eSMS's
-- QueryZnsStatus answers a ZNS by its SMSID alone (so one sent without a
-- CallbackUrl is no longer invisible), and two listings answer hundreds of
-- messages per call: eSMS GetSmsSentData_V2 (by creation time) and eTelecom
-- ListMessages (by update time). Their names join the source columns' checks.
--
-- Runs while the previous release still serves: each new check allows every
-- value the old one did, so no write of the older code can fail; they are
-- NOT VALID because every existing row passed the stricter check already,
-- and validating would scan the tables under the ALTER's lock. New writes are
-- checked as before.

ALTER TABLE delivery_state
    DROP CONSTRAINT delivery_state_state_source_check,
    ADD CONSTRAINT delivery_state_state_source_check CHECK (state_source IN (
        'callback', 'get_callback', 'get_send_status', 'zalo_status',
        'etelecom_get_message', 'query_zns_status', 'sms_sent_data',
        'etelecom_list_messages')) NOT VALID,
    DROP CONSTRAINT delivery_state_counts_source_check,
    ADD CONSTRAINT delivery_state_counts_source_check CHECK (counts_source IN (
        'callback', 'get_callback', 'get_send_status', 'zalo_status',
        'etelecom_get_message', 'query_zns_status', 'sms_sent_data',
        'etelecom_list_messages')) NOT VALID;

ALTER TABLE delivery_event
    DROP CONSTRAINT delivery_event_source_check,
    ADD CONSTRAINT delivery_event_source_check CHECK (source IN (
        'callback', 'get_callback', 'get_send_status', 'zalo_status',
        'etelecom_get_message', 'query_zns_status', 'sms_sent_data',
        'etelecom_list_messages')) NOT VALID;

COMMENT ON COLUMN delivery_event.source IS
    'Where the report came from: callback (the provider called deliveryd), or the status API deliveryd asked: get_callback (eSMS GetCallback), get_send_status (eSMS GetSendStatus), zalo_status (eSMS GetZaloMessageStatus), query_zns_status (eSMS QueryZnsStatus), sms_sent_data (eSMS GetSmsSentData_V2 listing), etelecom_get_message (eTelecom GetMessage) or etelecom_list_messages (eTelecom ListMessages listing).';
COMMENT ON COLUMN deliveryd_poll_activity.endpoint IS
    'Status API, named as delivery_event.source names it (get_callback, query_zns_status, ...).';
