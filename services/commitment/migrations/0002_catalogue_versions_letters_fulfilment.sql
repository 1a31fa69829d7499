-- Draft editing: a revision per save, withdrawal from the catalogue with its reason.
ALTER TABLE catalogue_item
    ADD COLUMN revision          integer NOT NULL DEFAULT 1,
    ADD COLUMN withdrawn_at      timestamptz,
    ADD COLUMN withdrawal_reason text NOT NULL DEFAULT '';
CREATE INDEX catalogue_item_drafts ON catalogue_item (department, (content->>'name'), item_id);

-- The region of the publishing department decides which filing rule applies.
ALTER TABLE catalogue_version ADD COLUMN region_code text NOT NULL DEFAULT '';

-- Listing a version's items by name; the matter filter looks inside the content.
CREATE INDEX item_version_listing ON item_version (department, version, name, item_id);

-- Filing (备案) of a published version with the justice bureau: at most once.
CREATE TABLE catalogue_filing (
    department  text NOT NULL,
    version     integer NOT NULL,
    filed_on    date NOT NULL,
    reference   text NOT NULL,
    authority   text NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    PRIMARY KEY (department, version),
    FOREIGN KEY (department, version) REFERENCES catalogue_version (department, version)
);

-- Commitments: the signed letter with its hash, the life of the commitment, its fulfilment.
ALTER TABLE commitment
    ADD COLUMN status              text NOT NULL DEFAULT 'COMMITMENT_STATUS_ACTIVE',
    ADD COLUMN letter_text         text NOT NULL DEFAULT '',
    ADD COLUMN letter_sha256       bytea,
    ADD COLUMN letter_values       jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN signature_method    text NOT NULL DEFAULT 'SIGNATURE_METHOD_UNSPECIFIED',
    ADD COLUMN signature_reference text NOT NULL DEFAULT '',
    ADD COLUMN signed_on           date,
    ADD COLUMN withdrawn_at        timestamptz,
    ADD COLUMN withdrawal_reason   text NOT NULL DEFAULT '',
    ADD COLUMN matter_concluded_on date,
    ADD COLUMN fulfilment          text NOT NULL DEFAULT 'FULFILMENT_STATUS_PENDING',
    ADD COLUMN fulfilment_by       text NOT NULL DEFAULT '',
    ADD COLUMN fulfilment_on       date,
    ADD COLUMN fulfilment_at       timestamptz;

-- One live commitment per certificate item in one application case.
CREATE UNIQUE INDEX commitment_one_per_case ON commitment (item_id, case_number)
    WHERE status <> 'COMMITMENT_STATUS_WITHDRAWN';
-- Keyset listing of a department's commitments, newest first, optionally by status.
DROP INDEX commitment_department;
CREATE INDEX commitment_department ON commitment (department, recorded_at DESC, commitment_id DESC);
CREATE INDEX commitment_department_status
    ON commitment (department, status, recorded_at DESC, commitment_id DESC);
CREATE INDEX commitment_subject_recorded ON commitment (subject_code, recorded_at DESC, commitment_id DESC);
DROP INDEX commitment_subject;
-- The public view lists only letters that may be published.
CREATE INDEX commitment_published ON commitment (recorded_at DESC, commitment_id DESC)
    WHERE publication_type = 'PUBLICATION_TYPE_PUBLIC' AND status <> 'COMMITMENT_STATUS_WITHDRAWN';

-- The certificate route (提交证明) chosen instead of, or after withdrawing, a commitment.
CREATE TABLE certificate_route (
    route_id                uuid PRIMARY KEY,
    subject_kind            text NOT NULL,
    subject_code            text NOT NULL,
    subject_name            text NOT NULL,
    item_id                 uuid NOT NULL,
    item_version            integer NOT NULL,
    department              text NOT NULL,
    case_number             text NOT NULL,
    channel                 text NOT NULL,
    chosen_at               timestamptz NOT NULL,
    chosen_by               text NOT NULL,
    withdrawn_commitment_id uuid REFERENCES commitment (commitment_id),
    UNIQUE (item_id, case_number),
    FOREIGN KEY (item_id, item_version) REFERENCES item_version (item_id, version)
);

-- Verification outcomes per task, from `verification.concluded`; fulfilment is derived from them.
CREATE TABLE verification_result (
    task_id       uuid PRIMARY KEY,
    commitment_id uuid NOT NULL REFERENCES commitment (commitment_id),
    outcome       text NOT NULL,
    department    text NOT NULL,
    decision_date date NOT NULL,
    concluded_at  timestamptz NOT NULL
);
CREATE INDEX verification_result_commitment ON verification_result (commitment_id);
