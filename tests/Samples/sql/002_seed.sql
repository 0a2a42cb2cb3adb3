INSERT INTO colors (id, name) VALUES (1, 'red'), (2, 'green'), (3, 'blue');
