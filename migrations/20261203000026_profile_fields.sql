-- The name and value pairs members show on their profiles ("Website",
-- "Shop", "Height"): a JSON array of {"name", "value"} objects, at most four.
alter table accounts add column fields jsonb not null default '[]'::jsonb;
