-- Tables every service schema has: outbox, inbox, idempotency, audit chain, calendar, dev clock.

-- Events written in the same transaction as the change they describe; the relay publishes them.
CREATE TABLE outbox (
    seq          bigserial PRIMARY KEY,
    id           uuid NOT NULL UNIQUE,
    subject      text NOT NULL,
    type         text NOT NULL,
    entity       text NOT NULL,
    payload      bytea NOT NULL,
    occurred_at  timestamptz NOT NULL,
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Events a consumer has applied, recorded in the same transaction as their effects.
CREATE TABLE inbox (
    consumer    text NOT NULL,
    event_id    text NOT NULL,
    subject     text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- First answers of mutating RPCs, so a retried request gets the same answer.
CREATE TABLE idempotency (
    scope        text NOT NULL,
    request_id   text NOT NULL,
    request_hash bytea NOT NULL,
    response     bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, request_id)
);
CREATE INDEX idempotency_created ON idempotency (created_at);

-- 执法全过程记录: every state change, chained by a keyed hash so edits, deletions and
-- insertions made behind the service's back are detected.
CREATE TABLE audit_log (
    seq           bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    department    text NOT NULL,
    role          text NOT NULL,
    action        text NOT NULL,
    target        text NOT NULL,
    subject_code  text NOT NULL,
    request_id    text NOT NULL,
    purpose       text NOT NULL,
    outcome       text NOT NULL,
    change_digest bytea NOT NULL,
    hash          bytea NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_code, at) WHERE subject_code <> '';
CREATE INDEX audit_log_actor ON audit_log (actor, at);

-- The chain's last link; its row lock orders appends.
CREATE TABLE audit_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x'::bytea);

-- Official working-day schedules per year (法定节假日 and 调休).
CREATE TABLE calendar_year (
    year      integer PRIMARY KEY,
    holidays  date[] NOT NULL,
    workdays  date[] NOT NULL,
    source    text NOT NULL,
    revision  integer NOT NULL,
    loaded_at timestamptz NOT NULL
);

-- Development mode only: how far this service's clock runs ahead of real time.
CREATE TABLE dev_clock (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    offset_us bigint NOT NULL
);
