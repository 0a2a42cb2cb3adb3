-- Reference data every test can rely on: restored after any test that changes it.
INSERT INTO categories (name) VALUES ('home'), ('work'), ('errands');
