using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Common.Security;
using Scheduler.Storage.Access;
using Scheduler.Storage.Secrets;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests.Secrets;

/// <summary>
/// Issue 31: stored ciphertext is bound to its tenant, owner and field. A ciphertext a client sends (say, from a database
/// dump) is only text: it is encrypted like any value and delivered as the literal string. One moved in SQL to another
/// tenant, object or field fails its delivery with a reason that names the field and no secret. Rotation keeps working, and
/// the migrate step re-encrypts rows stored in the unbound v1 format. Real API, executor, WaitEcho and PostgreSQL.
/// </summary>
public class BoundCiphertextTests
{
    private const string OtherTenant = "team-b";
    private static readonly TimeSpan SecretResolverFreshness = Scheduler.Executor.Delivery.SecretResolver.Freshness + TimeSpan.FromSeconds(1);

    private sealed record Tenant(HttpClient Client, string Name);

    private static async Task<Tenant> OtherTenantAsync(ApiHarness h)
    {
        // Another tenant's first key comes from the command line's store, as an operator would make it.
        var store = new ApiKeyStore(NpgsqlDataSource.Create(h.Api.ConnectionString), TimeProvider.System);
        var key = (await store.CreateAsync(OtherTenant, "their admin", "admin", CancellationToken.None)).Key;
        var client = h.Api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new Tenant(client, OtherTenant);
    }

    private static async Task<JsonObject> PostAsync(HttpClient client, string url, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"POST {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>A manual webhook schedule with these headers; returns its id.</summary>
    private static async Task<string> ScheduleAsync(ApiHarness h, HttpClient client, string name, Dictionary<string, string> headers)
    {
        var target = new JsonObject { ["type"] = "webhook", ["url"] = h.Echo.EchoUrl(), ["headers"] = new JsonObject(headers.Select(p =>
            KeyValuePair.Create(p.Key, (JsonNode?)p.Value))) };
        return (string)(await PostAsync(client, "/api/v1/schedules", new JsonObject { ["name"] = name, ["manual"] = true, ["target"] = target }))["id"]!;
    }

    /// <summary>Fires the schedule once and returns the execution as the API shows it once the executor is done with it.</summary>
    private static async Task<JsonObject> FireAsync(ApiHarness h, HttpClient client, string scheduleId)
    {
        var execution = await PostAsync(client, $"/api/v1/schedules/{scheduleId}/trigger", new { }, HttpStatusCode.Accepted);
        await h.Executor.DrainAsync();
        return (await client.GetFromJsonAsync<JsonObject>($"/api/v1/executions/{execution["id"]}"))!;
    }

    private static async Task<T> QueryAsync<T>(ApiHarness h, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(h.Api.ConnectionString);
        return await connection.QuerySingleAsync<T>(sql, parameters);
    }

    private static async Task ExecuteAsync(ApiHarness h, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(h.Api.ConnectionString);
        Assert.Equal(1, await connection.ExecuteAsync(sql, parameters));
    }

    private static Task<string> StoredHeaderAsync(ApiHarness h, string scheduleId, string header) =>
        QueryAsync<string>(h, "select target->'headers'->>@Header from schedules where id = @Id::uuid", new { Id = scheduleId, Header = header });

    private static Task<string> StoredSecretAsync(ApiHarness h, string tenant, string name) =>
        QueryAsync<string>(h, "select value from secrets where tenant = @Tenant and name = @Name", new { Tenant = tenant, Name = name });

    /// <summary>
    /// The copier stores the victim's ciphertexts (a named secret's, a header's, a Data Protection key's) through the API, as a
    /// named secret and as header values: each reaches the copier's webhook as the literal text, never the victim's value.
    /// </summary>
    private static async Task CopiesAreLiteralAsync(ApiHarness h, Tenant victim, Tenant copier, string victimValue)
    {
        await PostAsync(victim.Client, "/api/v1/secrets", new { name = "vendor", value = $"{victimValue}-named" });
        var victimSchedule = await ScheduleAsync(h, victim.Client, $"victim-{victim.Name}", new() { ["Authorization"] = $"Bearer {victimValue}-header" });
        var namedCiphertext = await StoredSecretAsync(h, victim.Name, "vendor");
        var headerCiphertext = await StoredHeaderAsync(h, victimSchedule, "Authorization");
        var keyCiphertext = TestSettings.Secrets.Protect("<key>data protection</key>", SecretContext.DataProtectionKey);
        Assert.All(new[] { namedCiphertext, headerCiphertext }, c => Assert.StartsWith("enc:v2:", c, StringComparison.Ordinal));

        await PostAsync(copier.Client, "/api/v1/secrets", new { name = "copied", value = namedCiphertext });
        var schedule = await ScheduleAsync(h, copier.Client, $"copier-{copier.Name}", new()
        {
            ["Authorization"] = headerCiphertext,
            ["X-Api-Key"] = "{{ secrets.copied }}",
            ["X-Auth-Key"] = keyCiphertext,
        });
        // Stored encrypted for the copier, as any value it sends: not the victim's ciphertext.
        Assert.NotEqual(headerCiphertext, await StoredHeaderAsync(h, schedule, "Authorization"));
        Assert.NotEqual(namedCiphertext, await StoredSecretAsync(h, copier.Name, "copied"));

        var execution = await FireAsync(h, copier.Client, schedule);
        Assert.Equal("succeeded", (string)execution["status"]!);
        var received = Assert.Single(await h.Echo.ReceivedAsync(schedule));
        Assert.Equal(headerCiphertext, received.Headers["authorization"]);
        Assert.Equal(namedCiphertext, received.Headers["x-api-key"]);
        Assert.Equal(keyCiphertext, received.Headers["x-auth-key"]);
        Assert.DoesNotContain(victimValue, string.Join("\n", received.Headers.Values) + received.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("data protection", string.Join("\n", received.Headers.Values), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_tenants_ciphertext_sent_as_a_value_is_stored_and_delivered_as_the_literal_text()
    {
        await using var h = await ApiHarness.StartAsync();
        await CopiesAreLiteralAsync(h, new Tenant(h.Client, TestSettings.Tenant), await OtherTenantAsync(h), "a-s3cret");
    }

    [Fact]
    public async Task Our_ciphertext_sent_as_a_value_by_the_other_tenant_is_stored_and_delivered_as_the_literal_text()
    {
        await using var h = await ApiHarness.StartAsync();
        await CopiesAreLiteralAsync(h, await OtherTenantAsync(h), new Tenant(h.Client, TestSettings.Tenant), "b-s3cret");
    }

    /// <summary>The execution died at its first attempt with a reason that names the field, and nothing more reached the webhook.</summary>
    private static async Task AssertUnreadableAsync(ApiHarness h, JsonObject execution, string scheduleId, int deliveredBefore, string field,
        params string[] secrets)
    {
        var error = (string?)execution["lastError"] ?? "";
        Assert.True((string)execution["status"]! == "dead" && (int)execution["attempt"]! == 1, execution.ToJsonString());
        Assert.Contains("does not decrypt for it", error, StringComparison.Ordinal);
        Assert.Contains(field, error, StringComparison.Ordinal);
        Assert.DoesNotContain("enc:v", error, StringComparison.Ordinal);
        Assert.Equal(deliveredBefore, (await h.Echo.ReceivedAsync(scheduleId)).Count);
        var stored = await QueryAsync<string>(h, "select coalesce(string_agg(coalesce(error, ''), ' '), '') from execution_attempts where execution_id = @Id::uuid",
            new { Id = (string)execution["id"]! }) + error;
        Assert.All(secrets, s => Assert.DoesNotContain(s, stored, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_ciphertext_moved_in_SQL_to_another_tenant_object_or_field_fails_its_delivery_naming_the_field_and_no_secret()
    {
        await using var h = await ApiHarness.StartAsync();
        var b = await OtherTenantAsync(h);
        await PostAsync(h.Client, "/api/v1/secrets", new { name = "ours", value = "a-named-s3cret" });
        var ours = await ScheduleAsync(h, h.Client, "ours", new() { ["Authorization"] = "Bearer a-header-s3cret", ["X-Api-Key"] = "a-key-s3cret" });
        await PostAsync(b.Client, "/api/v1/secrets", new { name = "theirs", value = "b-named-own" });
        var theirs = await ScheduleAsync(h, b.Client, "theirs", new() { ["Authorization"] = "Bearer b-header-own", ["X-Token"] = "{{ secrets.theirs }}" });
        Assert.Equal("succeeded", (string)(await FireAsync(h, b.Client, theirs))["status"]!);
        var delivered = Assert.Single(await h.Echo.ReceivedAsync(theirs));
        Assert.Equal(("Bearer b-header-own", "b-named-own"), (delivered.Headers["authorization"], delivered.Headers["x-token"]));

        // Our header's ciphertext into their schedule's header of the same name: another tenant and another schedule.
        await ExecuteAsync(h, """
            update schedules set target = jsonb_set(target, '{headers,Authorization}', (select target->'headers'->'Authorization' from schedules where id = @Ours::uuid))
            where id = @Theirs::uuid
            """, new { Ours = ours, Theirs = theirs });
        await AssertUnreadableAsync(h, await FireAsync(h, b.Client, theirs), theirs, 1, "target.headers.authorization of schedule", "a-header-s3cret");

        // Our named secret's value into their secret's row: the executor resolves it for their template and refuses it.
        await ExecuteAsync(h, "update schedules set target = jsonb_set(target, '{headers,Authorization}', '\"Bearer fixed\"') where id = @Theirs::uuid",
            new { Theirs = theirs });
        await ExecuteAsync(h, "update secrets set value = (select value from secrets where tenant = 'default' and name = 'ours') where tenant = @B and name = 'theirs'",
            new { B = b.Name });
        h.Time.Advance(SecretResolverFreshness);
        await AssertUnreadableAsync(h, await FireAsync(h, b.Client, theirs), theirs, 1, "value of secret", "a-named-s3cret");

        // Our whole schedule moved to their tenant: its own ciphertexts no longer decrypt there.
        await ExecuteAsync(h, "update schedules set tenant = @B where id = @Ours::uuid", new { B = b.Name, Ours = ours });
        await AssertUnreadableAsync(h, await FireAsync(h, b.Client, ours), ours, 0, "target.headers.", "a-header-s3cret", "a-key-s3cret");

        // Within one schedule of ours, one header's ciphertext moved to another header: another field.
        var swapped = await ScheduleAsync(h, h.Client, "swapped", new() { ["Authorization"] = "Bearer a-header-s3cret", ["X-Api-Key"] = "a-key-s3cret" });
        await ExecuteAsync(h, "update schedules set target = jsonb_set(target, '{headers,X-Api-Key}', target->'headers'->'Authorization') where id = @Id::uuid",
            new { Id = swapped });
        await AssertUnreadableAsync(h, await FireAsync(h, h.Client, swapped), swapped, 0, "target.headers.x-api-key of schedule", "a-header-s3cret", "a-key-s3cret");

        // A Data Protection key's ciphertext in a named secret's row: another kind.
        await ExecuteAsync(h, "update secrets set value = @Key where tenant = 'default' and name = 'ours'",
            new { Key = TestSettings.Secrets.Protect("<key>data protection</key>", SecretContext.DataProtectionKey) });
        var named = await ScheduleAsync(h, h.Client, "named", new() { ["Authorization"] = "Bearer {{ secrets.ours }}" });
        await AssertUnreadableAsync(h, await FireAsync(h, h.Client, named), named, 0, "value of secret", "data protection");

        // A write that keeps '***' for a value that no longer decrypts is refused naming the field, not stored as garbage.
        var keep = await h.Client.PutAsJsonAsync($"/api/v1/schedules/{swapped}", JsonNode.Parse($$"""
            { "name": "swapped", "manual": true, "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl()}}", "headers": { "Authorization": "***", "X-Api-Key": "***" } } }
            """));
        Assert.Equal(HttpStatusCode.BadRequest, keep.StatusCode);
        var problem = (await keep.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["target.headers.X-Api-Key"], problem.Select(p => p.Key));
        Assert.Contains("no longer decrypts", (string)problem["target.headers.X-Api-Key"]![0]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kept_secret_is_encrypted_again_for_its_schedule_and_still_delivers()
    {
        await using var h = await ApiHarness.StartAsync();
        var id = await ScheduleAsync(h, h.Client, "kept", new() { ["Authorization"] = "Bearer kept-s3cret" });
        var before = await StoredHeaderAsync(h, id, "Authorization");
        var replaced = await h.Client.PutAsJsonAsync($"/api/v1/schedules/{id}", JsonNode.Parse($$"""
            { "name": "kept", "description": "edited", "manual": true, "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl()}}", "headers": { "Authorization": "***" } } }
            """));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.NotEqual(before, await StoredHeaderAsync(h, id, "Authorization"));
        Assert.Equal("succeeded", (string)(await FireAsync(h, h.Client, id))["status"]!);
        Assert.Equal("Bearer kept-s3cret", Assert.Single(await h.Echo.ReceivedAsync(id)).Headers["authorization"]);
    }

    [Fact]
    public async Task Values_written_under_a_key_that_moved_to_previous_keys_still_deliver_and_migrate_moves_them_to_the_new_key()
    {
        var oldKey = TestSettings.SecretKey;
        var newKey = SecretBox.NewKey();
        await using var h = await ApiHarness.StartAsync();
        await PostAsync(h.Client, "/api/v1/secrets", new { name = "vendor", value = "named-under-old" });
        var id = await ScheduleAsync(h, h.Client, "rotated", new() { ["Authorization"] = "Bearer header-under-old", ["X-Token"] = "{{ secrets.vendor }}" });

        var rotated = new Dictionary<string, string?> { ["Secrets:Key"] = newKey, ["Secrets:PreviousKeys:0"] = oldKey };
        await using (var executor = new TestExecutor(h.Api.ConnectionString, h.Time, "rotated", settings: rotated))
        {
            await PostAsync(h.Client, $"/api/v1/schedules/{id}/trigger", new { }, HttpStatusCode.Accepted);
            await executor.DrainAsync();
        }
        var received = Assert.Single(await h.Echo.ReceivedAsync(id));
        Assert.Equal(("Bearer header-under-old", "named-under-old"), (received.Headers["authorization"], received.Headers["x-token"]));

        // The migrate step re-encrypts them under the new key: the old one can then be retired.
        var box = new SecretBox(newKey, [oldKey]);
        var result = await new SecretReencryption(NpgsqlDataSource.Create(h.Api.ConnectionString), box, NullLogger<SecretReencryption>.Instance)
            .RunAsync(CancellationToken.None);
        Assert.Equal((false, 0L), (result.Skipped, result.Unreadable));
        // The named secret; the schedule's two sensitive headers (the template is encrypted too), the execution's copy of them
        // (and the API's Data Protection key, when it made one).
        Assert.True(result.Rewritten >= 5, $"{result.Rewritten} rewritten");
        Assert.Equal(0, await QueryAsync<int>(h, """
            select (select count(*) from schedules where target::text like @Old) + (select count(*) from secrets where value like @Old)
                 + (select count(*) from executions where target::text like @Old) + (select count(*) from data_protection_keys where xml like @Old)
            """, new { Old = $"%enc:v2:{new SecretBox(oldKey).ActiveKeyId}:%" }));
        Assert.StartsWith($"enc:v2:{box.ActiveKeyId}:", await StoredHeaderAsync(h, id, "Authorization"), StringComparison.Ordinal);
        Assert.StartsWith($"enc:v2:{box.ActiveKeyId}:", await StoredSecretAsync(h, TestSettings.Tenant, "vendor"), StringComparison.Ordinal);
        h.Time.Advance(SecretResolverFreshness);
        await using (var executor = new TestExecutor(h.Api.ConnectionString, h.Time, "new-only", settings: new Dictionary<string, string?> { ["Secrets:Key"] = newKey }))
        {
            await PostAsync(h.Client, $"/api/v1/schedules/{id}/trigger", new { }, HttpStatusCode.Accepted);
            await executor.DrainAsync();
        }
        var both = await h.Echo.ReceivedAsync(id);
        Assert.Equal(2, both.Count);
        Assert.All(both, r => Assert.Equal(("Bearer header-under-old", "named-under-old"), (r.Headers["authorization"], r.Headers["x-token"])));
    }

    [Fact]
    public async Task Migrate_reencrypts_v1_rows_bound_to_the_row_they_are_in_in_batches_and_once_per_key()
    {
        // On a socket: a workflow step is delivered with a callback URL for its worker.
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var b = await OtherTenantAsync(h);
        await PostAsync(h.Client, "/api/v1/secrets", new { name = "vendor", value = "placeholder" });
        var id = await ScheduleAsync(h, h.Client, "legacy", new() { ["Authorization"] = "Bearer placeholder", ["X-Token"] = "{{ secrets.vendor }}" });
        var workflow = await PostAsync(b.Client, "/api/v1/workflows", JsonNode.Parse($$"""
            { "name": "legacy-flow", "steps": [ { "id": "call", "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl()}}", "headers": { "Authorization": "Bearer step-placeholder" } } } ] }
            """)!);
        // More schedules than one batch holds, each with a v1 header, as an earlier release left them.
        var many = SecretReencryption.BatchSize + 7;
        var batch = new JsonArray();
        for (var i = 0; i < many; i++)
        {
            batch.Add(JsonNode.Parse($$"""
                { "name": "bulk-{{i}}", "manual": true, "target": { "type": "webhook", "url": "{{h.Echo.EchoUrl()}}", "headers": { "Authorization": "Bearer placeholder" } } }
                """));
        }
        await PostAsync(h.Client, "/api/v1/schedules/batch", new JsonObject { ["items"] = batch }, HttpStatusCode.OK);
        var key = TestSettings.SecretKey;
        await using (var connection = new NpgsqlConnection(h.Api.ConnectionString))
        {
            await connection.ExecuteAsync("update schedules set target = jsonb_set(target, '{headers,Authorization}', to_jsonb(@V1::text)) where name like 'bulk-%'",
                new { V1 = LegacyV1.Encrypt(key, "Bearer bulk-legacy") });
            await connection.ExecuteAsync("update schedules set target = jsonb_set(target, '{headers,Authorization}', to_jsonb(@V1::text)) where id = @Id::uuid",
                new { Id = id, V1 = LegacyV1.Encrypt(key, "Bearer legacy-header") });
            await connection.ExecuteAsync("update secrets set value = @V1 where name = 'vendor'", new { V1 = LegacyV1.Encrypt(key, "legacy-named") });
            await connection.ExecuteAsync(
                "update workflows set definition = jsonb_set(definition, '{0,target,headers,Authorization}', to_jsonb(@V1::text)) where id = @Id::uuid",
                new { Id = (string)workflow["id"]!, V1 = LegacyV1.Encrypt(key, "Bearer legacy-step") });
            await connection.ExecuteAsync("insert into data_protection_keys (name, xml) values ('key-legacy', @Xml)",
                new { Xml = $"<key id=\"1\"><descriptor><encryptedSecret><secretBox>{LegacyV1.Encrypt(key, "<masterKey>k</masterKey>")}</secretBox></encryptedSecret></descriptor></key>" });
        }

        // Before the migrate step: v1 is not revealed; the attempt says what to do, and the execution waits for a retry.
        var before = await FireAsync(h, h.Client, id);
        Assert.Equal("pending", (string)before["status"]!);
        Assert.Contains("v1 format", (string)before["lastError"]!, StringComparison.Ordinal);
        Assert.Contains("Scheduler.Storage migrate", (string)before["lastError"]!, StringComparison.Ordinal);
        Assert.Empty(await h.Echo.ReceivedAsync(id));

        var reencryption = new SecretReencryption(NpgsqlDataSource.Create(h.Api.ConnectionString), TestSettings.Secrets, NullLogger<SecretReencryption>.Instance);
        var result = await reencryption.RunAsync(CancellationToken.None);
        // The schedules' headers, the named secret, the workflow step, the key ring's key and the waiting execution's copy.
        Assert.Equal((false, many + 5L, 0L), (result.Skipped, result.Rewritten, result.Unreadable));
        Assert.Equal(0, await QueryAsync<int>(h, """
            select (select count(*) from schedules where target::text like '%enc:v1:%') + (select count(*) from secrets where value like 'enc:v1:%')
                 + (select count(*) from workflows where definition::text like '%enc:v1:%') + (select count(*) from executions where target::text like '%enc:v1:%')
                 + (select count(*) from data_protection_keys where xml like '%enc:v1:%')
            """));
        Assert.Equal("<masterKey>k</masterKey>", TestSettings.Secrets.Reveal(
            System.Xml.Linq.XElement.Parse(await QueryAsync<string>(h, "select xml from data_protection_keys where name = 'key-legacy'")).Descendants("secretBox").Single().Value,
            SecretContext.DataProtectionKey));
        // Idempotent, and recorded: the next migrate does not scan again under this key.
        Assert.Equal((true, 0L, 0L), await reencryption.RunAsync(CancellationToken.None) is var again ? (again.Skipped, again.Rewritten, again.Unreadable) : default);

        // The waiting execution's retry delivers, with the values as they were.
        h.AdvanceTo(before["nextAttemptAt"]);
        await h.Executor.DrainAsync();
        var after = await h.GetAsync($"/api/v1/executions/{before["id"]}");
        Assert.Equal(("succeeded", 2), ((string)after["status"]!, (int)after["attempt"]!));
        var received = Assert.Single(await h.Echo.ReceivedAsync(id));
        Assert.Equal(("Bearer legacy-header", "legacy-named"), (received.Headers["authorization"], received.Headers["x-token"]));
        var bulk = (await QueryAsync<Guid>(h, "select id from schedules where name = 'bulk-3'")).ToString();
        Assert.Equal("succeeded", (string)(await FireAsync(h, h.Client, bulk))["status"]!);
        Assert.Equal("Bearer bulk-legacy", Assert.Single(await h.Echo.ReceivedAsync(bulk)).Headers["authorization"]);
        var run = await PostAsync(b.Client, $"/api/v1/workflows/{workflow["id"]}/runs", new { });
        await h.Executor.DrainAsync();
        await WaitFor.ConditionAsync(async () => (await h.Echo.ReceivedAsync()).Any(r => r.Headers["authorization"] == "Bearer legacy-step"),
            TimeSpan.FromSeconds(30), $"the step of run {run["id"]} delivered with its re-encrypted header",
            () => QueryAsync<string>(h, "select string_agg(status || ': ' || coalesce(last_error, ''), '; ') from executions where workflow_run_id is not null"));
    }
}
