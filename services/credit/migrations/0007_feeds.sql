-- Other authorities' dishonesty lists imported as dated snapshots (FeedService). One head row per
-- source and region orders the snapshots; an entry is open until a later snapshot drops it.
CREATE TABLE feed_head (
    source        text NOT NULL,
    region_code   text NOT NULL,
    last_snapshot date NOT NULL,
    imported_at   timestamptz NOT NULL,
    imported_by   text NOT NULL,
    department    text NOT NULL,
    PRIMARY KEY (source, region_code)
);
CREATE TABLE feed_entry (
    entry_id       uuid PRIMARY KEY,
    source         text NOT NULL,
    region_code    text NOT NULL,
    subject_kind   text NOT NULL,
    subject_code   text NOT NULL,
    basis          text NOT NULL,
    listed_on      date NOT NULL,
    valid_until    date,
    first_snapshot date NOT NULL,
    last_snapshot  date NOT NULL,
    lifted_on      date,
    imported_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX feed_entry_open ON feed_entry (source, region_code, subject_code)
    WHERE lifted_on IS NULL;
CREATE INDEX feed_entry_subject ON feed_entry (subject_code);
CREATE INDEX feed_entry_page ON feed_entry (source, region_code, listed_on DESC, entry_id);

-- Penalties and other dishonesty information of other departments gathered under the subject
-- (归集); one row per source department's case.
CREATE TABLE gathered_information (
    info_id              uuid PRIMARY KEY,
    subject_kind         text NOT NULL,
    subject_code         text NOT NULL,
    source_department    text NOT NULL,
    kind                 text NOT NULL,
    decision_date        date NOT NULL,
    basis                text NOT NULL,
    case_number          text NOT NULL,
    submitted_by         text NOT NULL,
    submitted_department text NOT NULL,
    submitted_at         timestamptz NOT NULL,
    UNIQUE (source_department, case_number, subject_code)
);
CREATE INDEX gathered_information_subject ON gathered_information (subject_code);
