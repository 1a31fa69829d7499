-- The random inspection list (随机抽查事项清单): one row per version of an item of a department's list.
CREATE TABLE check_item (
    department             text NOT NULL,
    code                   text NOT NULL,
    version                integer NOT NULL CHECK (version >= 1),
    name                   text NOT NULL,
    legal_basis            text NOT NULL,
    inspection_type        text NOT NULL,
    supervision_domain     text NOT NULL,
    check_content          text NOT NULL,
    check_method           text NOT NULL,
    advance_notice_allowed boolean NOT NULL,
    no_notice_reason       text NOT NULL,
    effective_from         date NOT NULL,
    retired_on             date,
    recorded_by            text NOT NULL,
    recorded_at            timestamptz NOT NULL,
    PRIMARY KEY (department, code, version)
);
