-- Catalogues (目录清单): editable drafts, immutable published versions, item snapshots.
CREATE TABLE catalogue_item (
    item_id      uuid PRIMARY KEY,
    department   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    withdrawn    boolean NOT NULL DEFAULT false,
    content      jsonb NOT NULL
);
CREATE INDEX catalogue_item_department ON catalogue_item (department);

CREATE TABLE catalogue_version (
    department            text NOT NULL,
    version               integer NOT NULL,
    published_at          timestamptz NOT NULL,
    published_by          text NOT NULL,
    item_count            integer NOT NULL,
    commitment_item_count integer NOT NULL,
    PRIMARY KEY (department, version)
);

-- An item exactly as published in one catalogue version; commitments pin these.
CREATE TABLE item_version (
    item_id            uuid NOT NULL,
    version            integer NOT NULL,
    department         text NOT NULL,
    name               text NOT NULL,
    region_code        text NOT NULL,
    commitment_allowed boolean NOT NULL,
    content            jsonb NOT NULL,
    PRIMARY KEY (item_id, version),
    FOREIGN KEY (department, version) REFERENCES catalogue_version (department, version)
);

-- Commitments (承诺) with their national code.
CREATE TABLE commitment (
    commitment_id    uuid PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    subject_kind     text NOT NULL,
    subject_code     text NOT NULL,
    subject_name     text NOT NULL,
    item_id          uuid NOT NULL,
    item_version     integer NOT NULL,
    department       text NOT NULL,
    region_code      text NOT NULL,
    case_number      text NOT NULL,
    channel          text NOT NULL,
    publication_type text NOT NULL,
    recorded_at      timestamptz NOT NULL,
    recorded_by      text NOT NULL,
    FOREIGN KEY (item_id, item_version) REFERENCES item_version (item_id, version)
);
CREATE INDEX commitment_subject ON commitment (subject_code);
CREATE INDEX commitment_department ON commitment (department, recorded_at);

-- Sequence numbers of commitment codes per region and day, handed out in blocks.
CREATE TABLE code_block (
    region_code text NOT NULL,
    day         date NOT NULL,
    next        integer NOT NULL,
    PRIMARY KEY (region_code, day)
);

-- Eligibility projection: each subject's active restrictions as the credit service last said.
CREATE TABLE subject_restriction (
    subject_code text PRIMARY KEY,
    version      bigint NOT NULL,
    restrictions jsonb NOT NULL,
    changed_at   timestamptz NOT NULL
);
