CREATE TABLE categories (
    id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE todos (
    id          serial PRIMARY KEY,
    title       text NOT NULL CHECK (title <> ''),
    done        boolean NOT NULL DEFAULT false,
    category_id integer REFERENCES categories (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX todos_category_idx ON todos (category_id);
