-- Which subscription features watch this resource, as bits, so a request learns it
-- from the row it loads anyway: 1 = a subscription with operationMonitor (enc/om)
-- is among its children (every request to it may notify, TS-0004 §7.5.1.2.x), 2 = a
-- blocking-update subscription (net 7) is. 0 for almost every row: then nothing
-- more is read.
ALTER TABLE resources ADD COLUMN watch INTEGER NOT NULL DEFAULT 0;

-- The event category (`nec`, TS-0004 §6.3.5.x) a notification is sent with
-- (X-M2M-EC); NULL sends none. latestNotify rows are sent with 4 regardless.
ALTER TABLE outbox ADD COLUMN ec INTEGER;
