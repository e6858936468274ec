using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests;

/// <summary>Every malformed request gets the right 4xx with problem details naming the field, and changes nothing.</summary>
public class BadInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string Unknown = Guid.NewGuid().ToString();

    /// <summary>JSON written with single quotes, for a readable table.</summary>
    private static string J(string json) => json.Replace('\'', '"');

    private const string Target = "{'type':'webhook','url':'http://a.example/'}";

    private static string Schedule(string fields) => J("{'name':'x'," + fields + "}");

    private static string Cron(string extra = "") => Schedule("'cron':'* * * * *','target':" + Target + extra);

    private static string WithTarget(string target) => Schedule("'cron':'* * * * *','target':" + target);

    private static string Many(int count, string format) => string.Join(',', Enumerable.Range(0, count).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, format, i)));

    public static TheoryData<string, string, string, int, string?> Cases()
    {
        var data = new TheoryData<string, string, string, int, string?>();
        void Post(string body, string field) => data.Add("POST", "/api/v1/schedules", body, 400, field);

        // Result tracking.
        Post(Cron(",'completion':{'runTimeout':'forever'}"), "completion.runTimeout");
        Post(Cron(",'completion':{'runTimeout':'0s'}"), "completion.runTimeout");
        Post(Cron(",'completion':{'runTimeout':'8d'}"), "completion.runTimeout");
        Post(Cron(",'completion':{'runTimeout':'1m','heartbeatTimeout':'5m'}"), "completion.heartbeatTimeout");
        Post(Cron(",'completion':{'overlap':'queue'}"), "completion.overlap");
        Post(Cron(",'completion':{'overlap':'BUFFERONE'}"), "completion.overlap");
        Post(Cron(",'completion':{'overlap':1}"), "completion.overlap");
        Post(Cron(",'completion':{'timeout':'1m'}"), "completion.timeout");
        Post(Cron(",'completion':'1h'"), "completion");
        data.Add("POST", $"/api/v1/executions/{Unknown}/cancel", "", 404, null);

        // The schedule: names, labels, timing.
        Post(Schedule("'cronn':'* * * * *','target':" + Target), "cronn");
        Post(Cron(",'retries':3"), "retries");
        Post(WithTarget("{'type':'webhook','url':'http://a/','retries':3}"), "target.retries");
        Post(Schedule("'target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * *','delay':'5s','target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * * * *','target':" + Target), "cron");
        Post(Schedule("'cron':'61 * * * *','target':" + Target), "cron");
        Post(Schedule("'cron':'','target':" + Target), "cron");
        Post(Schedule("'cron':'0 0 30 2 *','target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * *','timeZone':'Europe/Londn','target':" + Target), "timeZone");
        Post(Schedule("'cron':'* * * * *','timeZone':'Pacific Standard Time','target':" + Target), "timeZone");
        Post(Schedule("'runAt':'2099-01-01T00:00:00Z','timeZone':'UTC','target':" + Target), "timeZone");
        Post(Schedule("'runAt':'2001-01-01T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2031-06-01T10:00:00','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2031-02-30T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2199-01-01T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':12345,'target':" + Target), "runAt");
        Post(Schedule("'delay':'soon','target':" + Target), "delay");
        Post(Schedule("'delay':'0s','target':" + Target), "delay");
        Post(Schedule("'delay':'-5m','target':" + Target), "delay");
        Post(Schedule("'delay':'P20Y','target':" + Target), "delay");
        Post(J("{'cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'" + new string('n', 201) + "','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'bell\\u0007','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':42,'cron':'* * * * *','target':" + Target + "}"), "name");
        Post(Cron(",'description':'" + new string('d', 2001) + "'"), "description");
        Post(Cron(",'labels':{" + Many(65, "'k{0}':'v'") + "}"), "labels");
        Post(Cron(",'labels':{'team':'" + new string('v', 257) + "'}"), "labels.team");
        Post(Cron(",'labels':{'team':null}"), "labels.team");
        Post(Cron(",'labels':['team']"), "labels");
        Post(Cron(",'maxAttempts':0"), "maxAttempts");
        Post(Cron(",'maxAttempts':101"), "maxAttempts");
        Post(Cron(",'maxAttempts':-1"), "maxAttempts");
        Post(Cron(",'maxAttempts':3.5"), "maxAttempts");
        Post(Cron(",'maxAttempts':'five'"), "maxAttempts");

        // The target.
        Post(Schedule("'cron':'* * * * *'"), "target");
        Post(Schedule("'cron':'* * * * *','target':null"), "target");
        Post(Schedule("'cron':'* * * * *','target':'http://a/'"), "target");
        Post(WithTarget("{'url':'http://a/'}"), "target.type");
        Post(WithTarget("{'type':'carrier-pigeon'}"), "target.type");
        Post(WithTarget("{'type':'webhook'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'/echo'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'javascript:alert(1)'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'ftp://a.example/'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/" + new string('p', 2100) + "'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://a/','method':'TRACE'}"), "target.method");
        Post(WithTarget("{'type':'webhook','url':'http://a/','timeout':'PT31S'}"), "target.timeout");
        Post(WithTarget("{'type':'webhook','url':'http://a/','timeout':'0s'}"), "target.timeout");
        Post(WithTarget("{'type':'webhook','url':'http://a/','timeout':'abc'}"), "target.timeout");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A':'v\\r\\nX-B: y'}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'Bad Name':'v'}}"), "target.headers.Bad Name");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'Host':'evil'}}"), "target.headers.Host");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'webhook-id':'forged'}}"), "target.headers.webhook-id");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A':null}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{" + Many(51, "'X-{0}':'v'") + "}}"), "target.headers");
        Post(WithTarget("{'type':'webhook','url':'http://a/','body':{'blob':'" + new string('b', 70_000) + "'}}"), "target.body");

        Post(WithTarget("{'type':'kafka'}"), "target.topic");
        Post(WithTarget("{'type':'kafka','topic':'has spaces'}"), "target.topic");
        Post(WithTarget("{'type':'kafka','topic':'" + new string('t', 250) + "'}"), "target.topic");
        Post(WithTarget("{'type':'kafka','topic':'t','url':'http://a/'}"), "target.url");
        Post(WithTarget("{'type':'kafka','topic':'t','key':''}"), "target.key");
        Post(WithTarget("{'type':'kafka','topic':'t','headers':{'scheduleman-attempt':'9'}}"), "target.headers.scheduleman-attempt");
        Post(WithTarget("{'type':'kafka','topic':'t','value':{'blob':'" + new string('b', 70_000) + "'}}"), "target.value");
        Post(WithTarget("{'type':'webhook','url':'http://a/','topic':'t'}"), "target.topic");

        // RabbitMQ and NATS JetStream targets (their broker connection by name).
        const string R = "{'type':'rabbitmq','connection':'orders',";
        Post(WithTarget("{'type':'rabbitmq','exchange':'x','routingKey':'k'}"), "target.connection");
        Post(WithTarget("{'type':'rabbitmq','connection':'orders!','exchange':'x'}"), "target.connection");
        Post(WithTarget("{'type':'rabbitmq','connection':'" + new string('c', 64) + "','exchange':'x'}"), "target.connection");
        Post(WithTarget(R + "'exchange':''}"), "target.exchange");
        Post(WithTarget(R + "'exchange':'has spaces'}"), "target.exchange");
        Post(WithTarget(R + "'exchange':'" + new string('e', 256) + "'}"), "target.exchange");
        Post(WithTarget(R + "'exchange':'amq.rabbitmq.log'}"), "target.exchange");
        Post(WithTarget(R + "'exchange':'x','routingKey':''}"), "target.routingKey");
        Post(WithTarget(R + "'exchange':'x','routingKey':'" + new string('k', 256) + "'}"), "target.routingKey");
        Post(WithTarget(R + "'exchange':'x','routingKey':'a\u0007b'}"), "target.routingKey");
        Post(WithTarget(R + "'routingKey':null}"), "target.routingKey");
        Post(WithTarget(R + "'exchange':'x','topic':'t'}"), "target.topic");
        Post(WithTarget(R + "'exchange':'x','subject':'s'}"), "target.subject");
        Post(WithTarget(R + "'exchange':'x','headers':{'cloudEvents:id':'forged'}}"), "target.headers.cloudEvents:id");
        Post(WithTarget(R + "'exchange':'x','headers':{" + Many(5, "'X-{0}':'" + new string('v', 8_000) + "'") + "}}"), "target.headers");
        Post(WithTarget(R + "'exchange':'x','body':{'blob':'" + new string('b', 70_000) + "'}}"), "target.body");
        Post(WithTarget(R + "'exchange':'x','routingKey':'{{ nope }}'}"), "target.routingKey");
        const string N = "{'type':'nats','connection':'events',";
        Post(WithTarget("{'type':'nats','subject':'jobs.a'}"), "target.connection");
        Post(WithTarget(N + "'subject':''}"), "target.subject");
        Post(WithTarget(N + "'exchange':'x'}"), "target.subject");
        Post(WithTarget(N + "'subject':'jobs..a'}"), "target.subject");
        Post(WithTarget(N + "'subject':'.jobs'}"), "target.subject");
        Post(WithTarget(N + "'subject':'jobs.'}"), "target.subject");
        Post(WithTarget(N + "'subject':'jobs.*'}"), "target.subject");
        Post(WithTarget(N + "'subject':'jobs.>'}"), "target.subject");
        Post(WithTarget(N + "'subject':'jobs a'}"), "target.subject");
        Post(WithTarget(N + "'subject':'jobs.\u00e9t\u00e9'}"), "target.subject");
        Post(WithTarget(N + "'subject':'$JS.API.STREAM.DELETE.ORDERS'}"), "target.subject");
        Post(WithTarget(N + "'subject':'_INBOX.x'}"), "target.subject");
        Post(WithTarget(N + "'subject':'" + string.Join('.', Enumerable.Repeat("t", 200)) + "'}"), "target.subject");
        Post(WithTarget(N + "'subject':'jobs.a','headers':{'Nats-Msg-Id':'forged'}}"), "target.headers.Nats-Msg-Id");
        Post(WithTarget(N + "'subject':'jobs.a','value':{'a':1}}"), "target.value");
        Post(WithTarget(N + "'subject':'jobs.a','timeout':'1m'}"), "target.timeout");
        Workflow("{'name':'w','steps':[{'id':'a','target':{'type':'nats','connection':'events','subject':'a b'}}]}", "steps[0].target.subject");

        // Not JSON, or not a schedule.
        Post(J("{'name':'x','cron':"), "cron");
        Post("[1,2,3]", "body");
        Post("null", "body");
        // Nesting is refused where it passes 32 levels, named by the path that leads there.
        Post(string.Concat(Enumerable.Repeat(J("{'a':"), 70)) + "1" + new string('}', 70), string.Join('.', Enumerable.Repeat("a", 32)));
        data.Add("POST", "/api/v1/schedules", "name=x", 415, null);

        // Replace.
        data.Add("PUT", "/api/v1/schedules/{id}", Schedule("'cron':'nope','target':" + Target), 400, "cron");
        data.Add("PUT", "/api/v1/schedules/{id}", Cron(",'cronn':'x'"), 400, "cronn");
        data.Add("PUT", $"/api/v1/schedules/{Unknown}", Cron(), 404, null);
        data.Add("PUT", "/api/v1/schedules/not-an-id", Cron(), 404, null);

        // Lists and lookups.
        void Get(string url, string? field, int status = 400) => data.Add("GET", url, "", status, field);
        Get("/api/v1/schedules?limit=0", "limit");
        Get("/api/v1/schedules?limit=501", "limit");
        Get("/api/v1/schedules?limit=abc", "limit");
        Get("/api/v1/schedules?sort=random", "sort");
        Get("/api/v1/schedules?state=deleted", "state");
        Get("/api/v1/schedules?targetType=ftp", "targetType");
        Get("/api/v1/schedules?cursor=garbage!", "cursor");
        Get("/api/v1/schedules?label=no-equals-sign", "label");
        Get("/api/v1/schedules?nextFireBefore=yesterday", "nextFireBefore");
        Get("/api/v1/schedules/{id}/next?count=0", "count");
        Get("/api/v1/schedules/{id}/next?count=101", "count");
        Get("/api/v1/schedules/{id}/next?count=x", "count");
        Get("/api/v1/executions?status=exploded", "status");
        Get("/api/v1/executions?scheduleId=xyz", "scheduleId");
        Get("/api/v1/executions?limit=1000", "limit");
        Get("/api/v1/executions?cursor=zzz", "cursor");
        Get($"/api/v1/schedules/{Unknown}", null, 404);
        Get($"/api/v1/schedules/{Unknown}/next", null, 404);
        Get($"/api/v1/schedules/{Unknown}/executions", null, 404);
        Get($"/api/v1/executions/{Unknown}", null, 404);

        // Preview.
        data.Add("POST", "/api/v1/preview", "{}", 400, "cron");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','count':0}"), 400, "count");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','timeZone':'Mars/Olympus'}"), 400, "timeZone");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','target':{}}"), 400, "target");

        // Hostile: extreme dates and numbers.
        Post(Schedule("'runAt':'9999-12-31T23:59:59Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':'0001-01-01T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':'+275760-09-13T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2030-01-01T00:00:00+25:00','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2030-13-01T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'delay':'P99999999999999D','target':" + Target), "delay");
        Post(Schedule("'delay':'PT9999999999999999999S','target':" + Target), "delay");
        Post(Schedule("'delay':'99999999999999999h','target':" + Target), "delay");
        Post(WithTarget("{'type':'webhook','url':'http://a/','timeout':'PT99999999999999999S'}"), "target.timeout");
        Post(Cron(",'maxAttempts':2147483648"), "maxAttempts");
        Post(Cron(",'maxAttempts':1e400"), "maxAttempts");
        Get("/api/v1/schedules?limit=99999999999999999999", "limit");
        Get("/api/v1/schedules?nextFireAfter=9999-99-99", "nextFireAfter");
        Get("/api/v1/schedules/{id}/next?count=-2147483649", "count");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','count':1e9}"), 400, "count");
        data.Add("POST", "/api/v1/preview", J("{'runAt':'9999-12-31T23:59:59Z'}"), 400, "runAt");

        // Hostile: cron and time zones.
        Post(Schedule("'cron':'*/0 * * * *','target':" + Target), "cron");
        Post(Schedule("'cron':'" + string.Join(' ', Enumerable.Repeat("1,2,3,4,5", 2000)) + "','target':" + Target), "cron");
        Post(Schedule("'cron':'５ * * * *','target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * *\\n* * * * *','target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * *','timeZone':'../../../etc/passwd','target':" + Target), "timeZone");
        Post(Schedule("'cron':'* * * * *','timeZone':'" + new string('Z', 10_000) + "','target':" + Target), "timeZone");
        Post(Schedule("'cron':'* * * * *','timeZone':'Europe/Lond\\u00f6n','target':" + Target), "timeZone");

        // Hostile: SQL metacharacters, where they are not valid values (as names they are just text: see the next test).
        Post(Schedule("'cron':'* * * * *; drop table schedules; --','target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * *','timeZone':'UTC\\u0027 or \\u00271\\u0027=\\u00271','target':" + Target), "timeZone");
        Post(WithTarget("{'type':'kafka','topic':'t\\u0027; delete from executions; --'}"), "target.topic");
        Get("/api/v1/schedules?state=active'%20or%20'1'='1", "state");
        Get("/api/v1/schedules?sort=created;delete%20from%20schedules", "sort");
        Get("/api/v1/schedules?targetType=webhook'--", "targetType");
        Get("/api/v1/executions?scheduleId=1%20or%201=1", "scheduleId");
        Get("/api/v1/executions?status=dead'%20union%20select%201--", "status");
        Get("/api/v1/schedules?cursor=MTsgZHJvcCB0YWJsZSBzY2hlZHVsZXM", "cursor");

        // Hostile: header injection.
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A\\r\\nInjected':'v'}}"), "target.headers.X-A\uFFFD\uFFFDInjected");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A':'v\\nInjected: yes'}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A':'v\\u0000'}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A':'caf\\u00e9'}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a/','method':'GET\\r\\nX-Injected: 1'}"), "target.method");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/\\r\\nX-Injected: 1'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://a/','signingSecret':'hunter2'}"), "target.signingSecret");
        Post(WithTarget("{'type':'webhook','url':'http://a/','signingSecret':'whsec_c2hvcnQ='}"), "target.signingSecret");
        Post(WithTarget("{'type':'webhook','url':'http://a/','signingSecret':'***'}"), "target.signingSecret");
        Post(WithTarget("{'type':'kafka','topic':'t','signingSecret':'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'}"), "target.signingSecret");

        // Hostile: Unicode edge cases and NUL, which PostgreSQL text cannot hold.
        Post(J("{'name':'\\ud800','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'a\\u0000b','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'evil\\u202egnp.exe','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'\\u2066isolate','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'\\u00a0\\u2003\\u3000','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(Cron(",'description':'before\\u0000after'"), "description");
        Post(Cron(",'labels':{'team':'a\\u0000'}"), "labels.team");
        Post(Cron(",'labels':{'te\\u0000am':'a'}"), "labels.te\uFFFDam");
        Post(WithTarget("{'type':'webhook','url':'http://a/','body':{'text':'nul\\u0000here'}}"), "target.body.text");
        Post(WithTarget("{'type':'kafka','topic':'t','value':['\\u0000']}"), "target.value[0]");
        Post(WithTarget("{'type':'webhook','url':'http://a/','body':{'a':'\\udfff'}}"), "target.body.a");

        Post(WithTarget("{'type':'webhook','url':'https://hooks.example.\\ufffdcom/b'}"), "target.url");

        // Issue 14: internal literals in the spellings only resolvers accept, and credentials in URLs.
        Post(WithTarget("{'type':'webhook','url':'http://169.254.169.254./latest/meta-data/'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://167772161./'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://0xa9.0xfe.0xa9.0xfe./'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://user:pass@hooks.example.com/'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'https://token@hooks.example.com/'}"), "target.url");

        // Issue 14: query strings reach PostgreSQL only through validation (the fuzzer covers every endpoint; these are the reported ones).
        Get("/api/v1/schedules?label=%00=x", "label");
        Get("/api/v1/schedules?name=%00", "name");
        Get("/api/v1/schedules?name=a%0d%0aX-Injected:%201", "name");
        Get("/api/v1/executions?cursor=%00", "cursor");
        Get("/api/v1/stats?window=1h%00", "window");
        Get("/api/v1/schedules?" + new string('q', 1_100) + "=1", "q" + new string('q', 79) + "…");
        Get("/api/v1/schedules?name=" + new string('n', 1_025), "name");
        Get("/schedules?name=%00", "name");
        Get("/schedules?label=%00=x", "label");
        Get("/dead-letters?cursor=%1b", "cursor");

        // Hostile: huge strings and documents.
        Post(J("{'name':'" + new string('n', 500_000) + "','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(Cron(",'labels':{'" + new string('k', 10_000) + "':'v'}"), "labels." + new string('k', 80) + "…");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-Big':'" + new string('h', 9_000) + "'}}"), "target.headers.X-Big");
        Post(WithTarget("{'type':'webhook','url':'http://a/','body':" + string.Concat(Enumerable.Repeat("[", 65)) + string.Concat(Enumerable.Repeat("]", 65)) + "}"),
            "target.body" + string.Concat(Enumerable.Repeat("[0]", 30)));
        data.Add("POST", "/api/v1/schedules", new string(' ', 2_000_000), 413, null);

        // Hostile: API keys.
        data.Add("POST", "/api/v1/api-keys", J("{'name':'x','scope':'superuser'}"), 400, "scope");
        data.Add("POST", "/api/v1/api-keys", J("{'name':'x\\r\\ny','scope':'read'}"), 400, "name");
        data.Add("POST", "/api/v1/api-keys", J("{'name':'x','scope':'read','tenant':'someone-else'}"), 400, "tenant");
        data.Add("DELETE", $"/api/v1/api-keys/{Unknown}", "", 404, null);

        // Issue 15: the timing language on schedules.
        Post(Cron(",'calendar':'nowhere'"), "calendar");
        Post(Schedule("'runAt':'2031-06-01T10:00:00Z','calendar':'nowhere','target':" + Target), "calendar");
        Post(Cron(",'nonBusinessDay':'sideways'"), "nonBusinessDay");
        Post(Cron(",'nonBusinessDay':'next'"), "calendar");
        Post(Cron(",'calendar':'nowhere','businessDaysOfMonth':[0]"), "businessDaysOfMonth");
        Post(Cron(",'calendar':'nowhere','businessDaysOfMonth':[]"), "businessDaysOfMonth");
        Post(Cron(",'calendar':'nowhere','businessDaysOfMonth':[99]"), "businessDaysOfMonth");
        Post(Cron(",'calendar':'nowhere','businessDaysOfMonth':['last']"), "businessDaysOfMonth[0]");
        Post(Cron(",'calendar':'nowhere','businessDaysOfMonth':[1],'nonBusinessDay':'next'"), "nonBusinessDay");
        Post(Cron(",'jitter':'2m'"), "jitter");
        Post(Cron(",'jitter':'P2D'"), "jitter");
        Post(Cron(",'jitter':'-5s'"), "jitter");
        Post(Schedule("'manual':true,'jitter':'5s','target':" + Target), "jitter");
        Post(Cron(",'startAt':'tomorrow'"), "startAt");
        Post(Cron(",'startAt':'2031-01-02T00:00:00Z','endAt':'2031-01-01T00:00:00Z'"), "endAt");
        Post(Cron(",'endAt':'2001-01-01T00:00:00Z'"), "endAt");
        Post(Schedule("'cron':'0 0 9 1 1 *','startAt':'2031-03-01T00:00:00Z','endAt':'2031-06-01T00:00:00Z','target':" + Target), "endAt");
        Post(Schedule("'delay':'5m','endAt':'2031-06-01T00:00:00Z','target':" + Target), "endAt");
        Post(Cron(",'startAt':'9999-01-01T00:00:00Z'"), "startAt");
        Post(Cron(",'catchUp':'sometimes'"), "catchUp");
        Post(Cron(",'catchUp':'all'"), "catchUpWindow");
        Post(Cron(",'catchUpWindow':'1h'"), "catchUpWindow");
        Post(Cron(",'catchUp':'all','catchUpWindow':'P30D'"), "catchUpWindow");
        Post(Schedule("'delay':'5m','catchUp':'none','target':" + Target), "catchUp");
        Post(Schedule("'manual':false,'target':" + Target), "manual");
        Post(Schedule("'manual':true,'cron':'* * * * *','target':" + Target), "cron");
        Post(Schedule("'manual':'yes','target':" + Target), "manual");
        Post(Cron(",'state':'completed'"), "state");
        Post(Cron(",'state':'deleted'"), "state");
        Get("/api/v1/schedules/{id}/next?from=next-march", "from");
        Get("/api/v1/schedules/{id}/next?from=9999-99-99", "from");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','from':'soon'}"), 400, "from");
        data.Add("POST", "/api/v1/preview", J("{'cron':'0 0 17 * * MON-FRI 2030','timeZone':'Europe/Londn'}"), 400, "timeZone");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','calendar':'nowhere'}"), 400, "calendar");

        // Issue 15: calendars.
        void Calendar(string body, string field) => data.Add("POST", "/api/v1/calendars", J(body), 400, field);
        Calendar("{}", "name");
        Calendar("{'name':''}", "name");
        Calendar("{'name':'" + new string('c', 201) + "'}", "name");
        Calendar("{'name':'bad\\u0000name'}", "name");
        Calendar("{'name':'c','weekendDays':['monday','tuesday','wednesday','thursday','friday','saturday','sunday']}", "weekendDays");
        Calendar("{'name':'c','weekendDays':['caturday']}", "weekendDays[0]");
        Calendar("{'name':'c','weekendDays':['6']}", "weekendDays[0]");
        Calendar("{'name':'c','weekendDays':'saturday'}", "weekendDays");
        Calendar("{'name':'c','holidays':[{'date':'1066-10-14','name':'Hastings'}]}", "holidays[0].date");
        Calendar("{'name':'c','holidays':[{'date':'2999-12-25','name':'Far'}]}", "holidays[0].date");
        Calendar("{'name':'c','holidays':[{'date':'2026-02-30','name':'No such day'}]}", "holidays[0].date");
        Calendar("{'name':'c','holidays':[{'date':'25/12/2026','name':'Christmas'}]}", "holidays[0].date");
        Calendar("{'name':'c','holidays':[{'date':'2026-12-25','name':'a'},{'date':'2026-12-25','name':'b'}]}", "holidays[1].date");
        Calendar("{'name':'c','holidays':[{'date':'2026-12-25'}]}", "holidays[0].name");
        Calendar("{'name':'c','holidays':[{'date':'2026-12-25','name':'x\\r\\ny'}]}", "holidays[0].name");
        Calendar("{'name':'c','holidays':[null]}", "holidays[0]");
        Calendar("{'name':'c','holidays':'christmas'}", "holidays");
        Calendar("{'name':'c','holidays':[" + Many(5_001, "{{'date':'2026-01-01','name':'n{0}'}}") + "]}", "holidays[1].date");
        Calendar("{'name':'c','publicHolidays':{'country':'XX'}}", "publicHolidays.country");
        Calendar("{'name':'c','publicHolidays':{'country':'GB','fromYear':1900,'toYear':3000}}", "publicHolidays.toYear");
        Calendar("{'name':'c','publicHolidays':{'country':'GB','fromYear':2030,'toYear':2020}}", "publicHolidays.toYear");
        Calendar("{'name':'c','weekend':['saturday']}", "weekend");
        data.Add("PUT", $"/api/v1/calendars/{Unknown}", J("{'name':'c'}"), 404, null);
        data.Add("DELETE", $"/api/v1/calendars/{Unknown}", "", 404, null);
        Get($"/api/v1/calendars/{Unknown}", null, 404);
        Get("/api/v1/calendars?limit=0", "limit");
        Get("/api/v1/calendars?cursor=zzz", "cursor");

        // Issue 15: outages.
        void Outage(string body, string field) => data.Add("POST", "/api/v1/outages", J(body), 400, field);
        Outage("{}", "name");
        Outage("{'name':'o','to':'2031-01-01T00:00:00Z','policy':'skip'}", "from");
        Outage("{'name':'o','from':'2031-01-02T00:00:00Z','to':'2031-01-01T00:00:00Z','policy':'skip'}", "to");
        Outage("{'name':'o','from':'2031-01-01T00:00:00Z','to':'2031-01-01T00:00:00Z','policy':'skip'}", "to");
        Outage("{'name':'o','from':'2031-01-01T00:00:00Z','to':'2031-03-01T00:00:00Z','policy':'skip'}", "to");
        Outage("{'name':'o','from':'2001-01-01T00:00:00Z','to':'2001-01-02T00:00:00Z','policy':'skip'}", "to");
        Outage("{'name':'o','from':'2090-01-01T00:00:00Z','to':'2090-01-02T00:00:00Z','policy':'skip'}", "from");
        Outage("{'name':'o','from':'next week','to':'2031-01-02T00:00:00Z','policy':'skip'}", "from");
        Outage("{'name':'o','from':'2031-01-01T00:00:00','to':'2031-01-02T00:00:00Z','policy':'skip'}", "from");
        Outage("{'name':'o','from':'2031-01-01T00:00:00Z','to':'2031-01-02T00:00:00Z','policy':'pause'}", "policy");
        Outage("{'name':'o','from':'2031-01-01T00:00:00Z','to':'2031-01-02T00:00:00Z'}", "policy");
        Outage("{'name':'o','from':'2031-01-01T00:00:00Z','to':'2031-01-02T00:00:00Z','policy':'skip','labels':{'te\\u0000am':'a'}}", "labels.te\uFFFDam");
        Outage("{'name':'o','from':'2031-01-01T00:00:00Z','to':'2031-01-02T00:00:00Z','policy':'skip','labels':['team']}", "labels");
        data.Add("PUT", $"/api/v1/outages/{Unknown}", J("{'name':'o','from':'2031-01-01T00:00:00Z','to':'2031-01-02T00:00:00Z','policy':'skip'}"), 404, null);
        data.Add("POST", $"/api/v1/outages/{Unknown}/cancel", "", 404, null);
        data.Add("POST", $"/api/v1/outages/{Unknown}/end", "", 404, null);
        Get($"/api/v1/outages/{Unknown}", null, 404);
        Get("/api/v1/outages?state=over", "state");

        // Issue 17: workflows and their runs.
        void Workflow(string body, string field) => data.Add("POST", "/api/v1/workflows", J(body), 400, field);
        static string Step(string id, string extra = "") => "{'id':'" + id + "','target':" + Target + extra + "}";
        Workflow("{}", "name");
        Workflow("{'name':'w'}", "steps");
        Workflow("{'name':'w','steps':[]}", "steps");
        Workflow("{'name':'w','steps':{}}", "steps");
        Workflow("{'name':'w','steps':[" + Many(201, "{{'id':'s{0}','target':" + Target.Replace("{", "{{").Replace("}", "}}") + "}}") + "]}", "steps");
        Workflow("{'name':'w','steps':[" + Step("a", ",'dependsOn':['c']") + "," + Step("b", ",'dependsOn':['a']") + "," + Step("c", ",'dependsOn':['b']") + "]}", "steps[0].dependsOn");
        Workflow("{'name':'w','steps':[" + Step("a", ",'dependsOn':['a']") + "]}", "steps[0].dependsOn");
        Workflow("{'name':'w','steps':[" + Step("a") + "," + Step("b", ",'dependsOn':['nope']") + "]}", "steps[1].dependsOn[0]");
        Workflow("{'name':'w','steps':[" + Step("a") + "," + Step("b", ",'dependsOn':[null]") + "]}", "steps[1].dependsOn[0]");
        Workflow("{'name':'w','steps':[" + Step("a") + "," + Step("b", ",'dependsOn':['a','a']") + "]}", "steps[1].dependsOn[1]");
        Workflow("{'name':'w','steps':[" + Step("a") + "," + Step("a") + "]}", "steps[1].id");
        Workflow("{'name':'w','steps':[{'target':" + Target + "}]}", "steps[0].id");
        Workflow("{'name':'w','steps':[" + Step("no spaces") + "]}", "steps[0].id");
        Workflow("{'name':'w','steps':[" + Step(new string('s', 64)) + "]}", "steps[0].id");
        Workflow("{'name':'w','steps':[null]}", "steps[0]");
        Workflow("{'name':'w','steps':[{'id':'a'}]}", "steps[0].target");
        Workflow("{'name':'w','steps':[{'id':'a','target':{'type':'workflow','workflow':'other'}}]}", "steps[0].target.type");
        Workflow("{'name':'w','steps':[{'id':'a','target':{'type':'webhook','url':'ftp://a.example/'}}]}", "steps[0].target.url");
        Workflow("{'name':'w','steps':[{'id':'a','target':{'type':'kafka'}}]}", "steps[0].target.topic");
        Workflow("{'name':'w','steps':[" + Step("a", ",'triggerRule':'always'") + "]}", "steps[0].triggerRule");
        Workflow("{'name':'w','steps':[" + Step("a", ",'maxAttempts':0") + "]}", "steps[0].maxAttempts");
        Workflow("{'name':'w','steps':[" + Step("a", ",'completion':{'runTimeout':'forever'}") + "]}", "steps[0].completion.runTimeout");
        Workflow("{'name':'w','steps':[" + Step("a", ",'completion':{'overlap':'skip'}") + "]}", "steps[0].completion.overlap");
        Workflow("{'name':'w','maxActiveRuns':0,'steps':[" + Step("a") + "]}", "maxActiveRuns");
        Workflow("{'name':'w','maxActiveRuns':1001,'steps':[" + Step("a") + "]}", "maxActiveRuns");
        Workflow("{'name':'w','labels':{'team':null},'steps':[" + Step("a") + "]}", "labels.team");
        Workflow("{'name':'w\u0007','steps':[" + Step("a") + "]}", "name");
        data.Add("PUT", $"/api/v1/workflows/{Unknown}", J("{'name':'w','steps':[" + Step("a") + "]}"), 404, null);
        data.Add("DELETE", $"/api/v1/workflows/{Unknown}", "", 404, null);
        Get($"/api/v1/workflows/{Unknown}", null, 404);
        Get($"/api/v1/workflows/{Unknown}/runs", null, 404);
        Get("/api/v1/workflows?limit=0", "limit");
        Get("/api/v1/workflows?cursor=zzz", "cursor");
        Get("/api/v1/workflows?label=team", "label");
        data.Add("POST", $"/api/v1/workflows/{Unknown}/runs", "{}", 404, null);
        data.Add("POST", $"/api/v1/workflows/{Unknown}/runs", J("{'parameters':[1]}"), 400, "parameters");
        data.Add("POST", $"/api/v1/workflows/{Unknown}/runs", J("{'logicalDate':'yesterday'}"), 400, "logicalDate");
        Get("/api/v1/workflow-runs?status=done", "status");
        Get("/api/v1/workflow-runs?limit=501", "limit");
        Get($"/api/v1/workflow-runs/{Unknown}", null, 404);
        data.Add("POST", $"/api/v1/workflow-runs/{Unknown}/resume", "", 404, null);
        data.Add("POST", $"/api/v1/workflow-runs/{Unknown}/cancel", "", 404, null);
        data.Add("POST", $"/api/v1/workflow-runs/{Unknown}/rerun", "{}", 400, "step");
        data.Add("POST", $"/api/v1/workflow-runs/{Unknown}/rerun", J("{'step':'a'}"), 404, null);
        Post(WithTarget("{'type':'workflow','workflow':'no-such-workflow'}"), "target.workflow");
        Post(WithTarget("{'type':'workflow'}"), "target.workflow");
        Post(WithTarget("{'type':'workflow','workflow':'w','url':'http://a.example/'}"), "target.url");

        // Parameters: declarations, and the values a trigger or run gives.
        Post(Schedule("'cron':'* * * * *','parameters':{'1x':{}},'target':" + Target), "parameters.1x");
        Post(Schedule("'cron':'* * * * *','parameters':{'n':{'type':'float'}},'target':" + Target), "parameters.n.type");
        Post(Schedule("'cron':'* * * * *','parameters':{'n':{'type':'integer','default':'ten'}},'target':" + Target), "parameters.n.default");
        Post(Schedule("'cron':'* * * * *','parameters':{'n':{'type':'integer','required':true}},'target':" + Target), "parameters.n");
        Post(Schedule("'cron':'* * * * *','parameters':{'n':null},'target':" + Target), "parameters.n");
        Post(Schedule("'cron':'* * * * *','parameters':{'d':{'type':'date','default':'24/11/2026'}},'target':" + Target), "parameters.d.default");
        // Templates: syntax, unknown variables, undeclared parameters, secrets outside headers, includes.
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','body':{'x':'{{ nope }}'}}"), "target.body.x");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','body':{'x':'{% if %}'}}"), "target.body.x");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','body':{'x':['{{ params.p }}']}}").Replace("\"cron\"", J("'parameters':{'q':{'default':1}},'cron'"), StringComparison.Ordinal), "target.body.x[0]");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','body':{'x':'{{ secrets.t }}'}}"), "target.body.x");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','body':{'x':'{% include \\'a\\' %}'}}"), "target.body.x");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','headers':{'X-A':'{{ interval }}'}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','headers':{'X-A':'{{ secrets.nope }}'}}"), "target.headers");
        Post(WithTarget("{'type':'kafka','topic':'t','key':'{{ runId }}'}"), "target.key");
        Post(WithTarget("{'type':'kafka','topic':'t','value':{'v':'{{ 1 | }}'}}"), "target.value.v");
        // Issue 31: bounds checked before the parser sees the text (nesting, expression depth, the tag budget, the liquid tag).
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','body':{'x':'" + string.Concat(Enumerable.Repeat("{%if 1%}", 3_500)) + "'}}"), "target.body.x");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','headers':{'X-A':'{{ attempt" + string.Concat(Enumerable.Repeat(" | plus: 1", 33)) + " }}'}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'kafka','topic':'t','key':'" + string.Concat(Enumerable.Repeat("{{attempt}}", 2_001)) + "'}"), "target.key");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/','body':['{% liquid echo 1 %}']}"), "target.body[0]");
        Workflow("{'name':'w','parameters':{'p':{'type':'list'}},'steps':[" + Step("a") + "]}", "parameters.p.type");
        Workflow("{'name':'w','steps':[{'id':'a','target':{'type':'webhook','url':'http://a.example/','body':{'x':'{{ params.p }}'}}}],'parameters':{'q':{}}}",
            "steps[0].target.body.x");
        // Trigger now and run now: history mode and parameter values.
        data.Add("POST", "/api/v1/schedules/{id}/trigger", J("{'logicalDate':'2099-01-01T00:00:00Z'}"), 400, "logicalDate");
        data.Add("POST", "/api/v1/schedules/{id}/trigger", J("{'logicalDate':'last tuesday'}"), 400, "logicalDate");
        data.Add("POST", "/api/v1/schedules/{id}/trigger", J("{'intervalStart':'2026-01-02T00:00:00Z','intervalEnd':'2026-01-01T00:00:00Z'}"), 400, "intervalEnd");
        data.Add("POST", "/api/v1/schedules/{id}/trigger", J("{'intervalEnd':'2026-01-01T00:00:00Z'}"), 400, "intervalStart");
        data.Add("POST", "/api/v1/schedules/{id}/trigger", J("{'parameters':'x=1'}"), 400, "parameters");
        data.Add("POST", $"/api/v1/schedules/{Unknown}/trigger", J("{'parameters':{}}"), 404, null);
        // Backfills: ranges reversed, unbounded, too long, in the future; batches that do not fit; limits; parameters.
        foreach (var (body, field) in new[]
                 {
                     ("{'start':'2026-01-10','end':'2026-01-01'}", "end"),
                     ("{'end':'2026-01-01'}", "start"),
                     ("{'start':'2026-01-01'}", "end"),
                     ("{'start':'2010-01-01','end':'2026-01-01'}", "end"),
                     ("{'start':'2026-01-01','end':'2099-01-01'}", "end"),
                     ("{'start':'soon','end':'2026-01-01'}", "start"),
                     ("{'start':'2026-01-01','end':'2026-02-01','batch':'hour'}", "batch"),
                     ("{'start':'2026-01-01','end':'2026-02-01','maxActiveRuns':0}", "maxActiveRuns"),
                     ("{'start':'2026-01-01','end':'2026-02-01','maxActiveRuns':101}", "maxActiveRuns"),
                     ("{'start':'2026-01-01','end':'2026-02-01','parameters':[1]}", "parameters"),
                     ("{'start':'2026-01-01T09:30:00Z','end':'2026-01-01T09:40:00Z'}", "start"),
                 })
        {
            data.Add("POST", "/api/v1/schedules/{id}/backfills", J(body), 400, field);
        }
        data.Add("POST", $"/api/v1/schedules/{Unknown}/backfills", J("{'start':'2026-01-01','end':'2026-01-02'}"), 404, null);
        data.Add("POST", $"/api/v1/workflows/{Unknown}/backfills", J("{'start':'2026-01-01','end':'2026-01-02'}"), 404, null);
        Get("/api/v1/backfills?status=done", "status");
        Get("/api/v1/backfills?limit=0", "limit");
        Get("/api/v1/backfills?cursor=zzz", "cursor");
        Get($"/api/v1/backfills/{Unknown}", null, 404);
        Get($"/api/v1/backfills/{Unknown}/runs", null, 404);
        Get($"/api/v1/backfills/{Unknown}/runs?cursor=x", "cursor");
        foreach (var action in new[] { "pause", "resume", "cancel" })
        {
            data.Add("POST", $"/api/v1/backfills/{Unknown}/{action}", "", 404, null);
        }
        // The audit trail's filters.
        Get("/api/v1/audit?objectType=rocket", "objectType");
        Get("/api/v1/audit?source=fax", "source");
        Get("/api/v1/audit?since=yesterday", "since");
        Get("/api/v1/audit?objectId=nope", null);
        Get("/api/v1/audit?limit=0", "limit");
        Get("/api/v1/audit?cursor=zzz", "cursor");
        // Named secrets.
        foreach (var (body, field) in new[]
                 {
                     ("{'value':'x'}", "name"),
                     ("{'name':'vendor-token','value':'x'}", "name"),
                     ("{'name':'t'}", "value"),
                     ("{'name':'t','value':'caf\u00e9'}", "value"),
                     ("{'name':'t','value':'a\nb'}", "value"),
                     ("{'name':'t','value':'***'}", "value"),
                     ("{'name':'t','value':'x','description':'" + new string('d', 2001) + "'}", "description"),
                 })
        {
            data.Add("POST", "/api/v1/secrets", J(body), 400, field);
        }
        // Batch create: the batch itself is refused as a whole (bad items are results of their own, BatchTests).
        data.Add("POST", "/api/v1/schedules/batch", J("{}"), 400, "items");
        data.Add("POST", "/api/v1/schedules/batch", J("{'items':[]}"), 400, "items");
        data.Add("POST", "/api/v1/schedules/batch", J("{'items':[" + string.Join(',', Enumerable.Repeat(Cron(), 1001)) + "]}"), 400, "items");
        data.Add("POST", "/api/v1/schedules/batch", J("{'items':5}"), 400, "items");
        data.Add("POST", "/api/v1/schedules/batch", J("{'items':[],'extra':1}"), 400, "extra");
        Get("/api/v1/secrets?limit=501", "limit");
        Get($"/api/v1/secrets/{Unknown}", null, 404);
        data.Add("PUT", $"/api/v1/secrets/{Unknown}", J("{'value':'x'}"), 404, null);
        data.Add("DELETE", $"/api/v1/secrets/{Unknown}", "", 404, null);

        // Actions on what does not exist.
        foreach (var action in new[] { "pause", "resume", "trigger", "executions/redrive" })
        {
            data.Add("POST", $"/api/v1/schedules/{Unknown}/{action}", "", 404, null);
        }
        data.Add("DELETE", $"/api/v1/schedules/{Unknown}", "", 404, null);
        data.Add("POST", $"/api/v1/executions/{Unknown}/redrive", "", 404, null);
        return data;
    }

    [Fact]
    public void The_table_has_at_least_150_cases() => Assert.True(Cases().Count >= 150, $"{Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_is_answered_with_problem_details_and_changes_nothing(string method, string url, string body, int status, string? field)
    {
        var client = factory.CreateClient();
        var existing = await client.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse(J("{'name':'existing-" + Guid.NewGuid() + "','cron':'0 0 9 * * *','target':" + Target + "}")));
        var id = (string)(await existing.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var before = await factory.SnapshotAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("{id}", id, StringComparison.Ordinal));
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, status == 415 ? "text/plain" : "application/json");
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{method} {url} {Shorten(body)}: expected {status}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        if (field is not null)
        {
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"expected an error for '{field}' in {text}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }
        Assert.Equal(before, await factory.SnapshotAsync());
    }

    [Fact]
    public async Task A_url_with_credentials_is_refused_without_echoing_them_and_says_where_they_belong()
    {
        var response = await factory.CreateClient().PostAsync("/api/v1/schedules", new StringContent(
            WithTarget("{'type':'webhook','url':'https://svc:s3cr3t-pw@hooks.example.com/x'}"), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(400, (int)response.StatusCode);
        Assert.DoesNotContain("s3cr3t-pw", text, StringComparison.Ordinal);
        var message = JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("target.url")[0].GetString();
        Assert.Contains("Authorization", message, StringComparison.Ordinal);
        Assert.Contains("signingSecret", message, StringComparison.Ordinal);
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
