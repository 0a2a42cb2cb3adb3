-- Sample schema: one table tests write to, one with seed rows that must survive every test.
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE colors (id int PRIMARY KEY, name text NOT NULL);
