using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using Scheduler.Testing;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// Two API processes on one database, as two replicas behind a load balancer: a browser signed in on one is signed in on the
/// other, and stays signed in when the first restarts — the Data Protection key ring lives in PostgreSQL, encrypted.
/// </summary>
[Collection(Processes.Collection)]
public sealed partial class SharedSignInTests
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [Fact]
    public async Task A_sign_in_on_one_replica_holds_on_the_other_and_through_a_restart()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var environment = new Dictionary<string, string> { ["ConnectionStrings__Scheduler"] = connectionString, ["Logging__LogLevel__Default"] = "Warning" };
        int portA = Ports.Free(), portB = Ports.Free();
        // A home directory each, as two pods have: ASP.NET's default key ring (files under $HOME) would not be shared.
        await using var a = HostProcess.Start("api-a", "Scheduler.Crud.Api", new(environment) { ["HOME"] = Home() }, "--urls", $"http://127.0.0.1:{portA}");
        await using var b = HostProcess.Start("api-b", "Scheduler.Crud.Api", new(environment) { ["HOME"] = Home() }, "--urls", $"http://127.0.0.1:{portB}");
        Uri addressA = new($"http://127.0.0.1:{portA}"), addressB = new($"http://127.0.0.1:{portB}");
        await HostProcess.WaitForHealthAsync(addressA, "API a");
        await HostProcess.WaitForHealthAsync(addressB, "API b");

        // Sign in on a, as a browser does: the form (with its antiforgery token), then the post.
        var cookies = new CookieContainer();
        using var browserA = Browser(addressA, cookies);
        var form = await browserA.GetStringAsync("/login");
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        Assert.NotEmpty(token);
        var signIn = await browserA.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["key"] = TestSettings.AdminKey,
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = "/",
        }));
        Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"{signIn.StatusCode}: {await signIn.Content.ReadAsStringAsync()}\n{a.Tail()}");
        var cookie = cookies.GetCookies(addressA)["scheduleman"]?.Value;
        Assert.False(string.IsNullOrEmpty(cookie), "signed in without a cookie");

        // The same cookie, sent to b (a replica that never saw this browser), and to a after a restart.
        await AssertSignedInAsync(addressB, cookie!, b);
        a.Restart();
        await HostProcess.WaitForHealthAsync(addressA, "API a, restarted");
        await AssertSignedInAsync(addressA, cookie!, a);

        // One key ring (each replica may add a key; all of them read every key), stored encrypted: no key material in clear.
        await using var connection = new NpgsqlConnection(connectionString);
        var keys = (await connection.QueryAsync<string>("select xml from data_protection_keys")).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, key =>
        {
            Assert.True(Regex.IsMatch(key, "<secretBox[^>]*>enc:v2:[^<]{100,}</secretBox>"), key);
            Assert.DoesNotContain("<value>", key, StringComparison.Ordinal); // where the key material is, stored in clear
        });
    }

    private static string Home() => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "scheduleman-home-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    private static HttpClient Browser(Uri address, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = address };

    private static async Task AssertSignedInAsync(Uri address, string cookie, HostProcess process)
    {
        var cookies = new CookieContainer();
        cookies.Add(address, new Cookie("scheduleman", cookie));
        using var browser = Browser(address, cookies);
        var page = await browser.GetAsync("/");
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{address}: {page.StatusCode} {page.Headers.Location}\n{process.Tail()}");
        Assert.Contains("Schedules", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
