-- Public numbers (公示编号) of what the service publishes (verification outcomes, penalty and
-- revocation decisions, draws, inspection results): one per published thing and kind, kept so a
-- republication (a final conclusion after 无法核实, a superseding finding) carries the same number.
-- The internal ids (task, draw, result) are never published.
CREATE SEQUENCE public_number_seq;
CREATE TABLE public_number (
    entity      text NOT NULL,  -- task/<id>, draw/<id>, result/<id>
    kind        text NOT NULL,  -- HS outcome, CF penalty, CX revocation, CQ draw, JC result
    number      text NOT NULL UNIQUE,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (entity, kind)
);
