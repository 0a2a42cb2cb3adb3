namespace Neon.Testing.Engine.Tests.Isolation;

/// <summary>A small application schema with the shapes change tracking must handle, and its seed data.</summary>
internal static class ShopSchema
{
    public const string Sql = """
        CREATE SCHEMA app;
        CREATE TABLE app.country (code text PRIMARY KEY, name text NOT NULL);
        INSERT INTO app.country VALUES ('NL', 'Netherlands'), ('FR', 'France'), ('DE', 'Germany');

        -- Seeded, identity ALWAYS key, unique name, self-reference.
        CREATE TABLE app.customer (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE,
            country text REFERENCES app.country (code),
            referrer bigint REFERENCES app.customer (id));
        INSERT INTO app.customer (name, country) VALUES ('Ada', 'NL'), ('Bob', 'FR');
        UPDATE app.customer SET referrer = (SELECT id FROM app.customer WHERE name = 'Ada') WHERE name = 'Bob';

        -- Empty, serial key, cascade from customer, a stored generated column.
        CREATE TABLE app.orders (
            id serial PRIMARY KEY,
            customer_id bigint NOT NULL REFERENCES app.customer (id) ON DELETE CASCADE,
            total numeric(10, 2) NOT NULL,
            total_with_tax numeric GENERATED ALWAYS AS (total * 1.21) STORED);

        -- Empty, no key.
        CREATE TABLE app.order_line (order_id int REFERENCES app.orders (id) ON DELETE CASCADE, sku text, qty int);

        -- Seeded, no key, duplicate rows.
        CREATE TABLE app.tag (label text, weight int);
        INSERT INTO app.tag VALUES ('a', 1), ('b', 2), ('a', 1);

        -- A standalone sequence the application draws numbers from.
        CREATE SEQUENCE app.ticket_seq START 100;

        -- Written by the application's triggers only.
        CREATE TABLE app.audit (id bigserial PRIMARY KEY, what text NOT NULL);
        CREATE FUNCTION app.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO app.audit (what) VALUES (TG_OP || ' ' || TG_TABLE_NAME);
            RETURN NULL;
        END $$;
        CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OR DELETE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.audit_row();
        CREATE TRIGGER customer_audit AFTER INSERT OR UPDATE OR DELETE ON app.customer FOR EACH ROW EXECUTE FUNCTION app.audit_row();
        CREATE TRIGGER tag_audit AFTER INSERT OR DELETE ON app.tag FOR EACH STATEMENT EXECUTE FUNCTION app.audit_row();
        """;
}
