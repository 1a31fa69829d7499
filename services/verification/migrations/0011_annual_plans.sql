-- Annual inspection plans (年度检查计划): one per department and year, its entries as planned.
CREATE TABLE annual_plan (
    annual_plan_id          uuid PRIMARY KEY,
    department              text NOT NULL,
    year                    integer NOT NULL,
    name                    text NOT NULL,
    status                  text NOT NULL,
    revision                integer NOT NULL,
    entries                 jsonb NOT NULL,
    rule_set                text NOT NULL DEFAULT '',
    published_on            date,
    report_due              date,
    report_due_provisional  boolean NOT NULL DEFAULT false,
    published_by            text NOT NULL DEFAULT '',
    created_by              text NOT NULL,
    created_at              timestamptz NOT NULL,
    UNIQUE (department, year)
);
-- The annual plan a random-inspection plan carries out, when it names one.
ALTER TABLE plan ADD COLUMN annual_plan_id uuid REFERENCES annual_plan;
CREATE INDEX annual_plan_listing ON annual_plan (department, year DESC, annual_plan_id);
