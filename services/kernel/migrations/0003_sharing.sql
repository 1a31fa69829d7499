-- Sharing agreements for the data classes this service owns, and pushes awaiting feedback.
CREATE TABLE sharing_agreement (
    agreement_id uuid PRIMARY KEY,
    consumer     text NOT NULL,
    data_class   text NOT NULL,
    purposes     text[] NOT NULL,
    region_code  text NOT NULL,
    fields       text[] NOT NULL,
    valid_from   date NOT NULL,
    valid_until  date NOT NULL,
    push         boolean NOT NULL,
    legal_basis  text NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   text NOT NULL,
    revoked_at   timestamptz,
    CHECK (valid_from <= valid_until)
);
CREATE INDEX sharing_agreement_consumer ON sharing_agreement (consumer, data_class);

CREATE TABLE push_delivery (
    event_id        uuid NOT NULL,
    receiver        text NOT NULL,
    event           text NOT NULL,
    data_class      text NOT NULL,
    entity          text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    acknowledged_at timestamptz,
    outcome         text NOT NULL DEFAULT 'PUSH_OUTCOME_UNSPECIFIED',
    feedback        text NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, receiver)
);
CREATE INDEX push_delivery_pending ON push_delivery (receiver, occurred_at, event_id)
    WHERE acknowledged_at IS NULL;
