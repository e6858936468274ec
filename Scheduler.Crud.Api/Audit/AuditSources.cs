using System.Security.Claims;
using System.Text.RegularExpressions;
using Scheduler.Crud.Api.Access;
using Scheduler.Storage.Audit;

namespace Scheduler.Crud.Api.Audit;

/// <summary>
/// Where a change comes from: the UI (a browser's session), the CLI (it says so in <c>Scheduleman-Source: cli</c>) or the API;
/// and, from a declarative apply, the source revision (<c>Scheduleman-Revision</c>: a git commit, <c>Scheduleman-Revision-Dirty</c>)
/// and the source that manages what it writes (<c>Scheduleman-Managed-By</c>).
/// </summary>
internal static partial class AuditSources
{
    public const string SourceHeader = "Scheduleman-Source";
    public const string RevisionHeader = "Scheduleman-Revision";
    public const string DirtyHeader = "Scheduleman-Revision-Dirty";
    public const string ManagedByHeader = "Scheduleman-Managed-By";

    // A revision as git and CI systems name them: a commit hash, a tag, a ref; anything else is not recorded.
    [GeneratedRegex("^[A-Za-z0-9._/@+-]{1,100}$")]
    private static partial Regex Revision();

    /// <summary>The actor of an authenticated request that may change something; null otherwise (nothing is recorded).</summary>
    public static AuditActor? ActorOf(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true || HttpMethods.IsGet(context.Request.Method) || user.FindFirstValue(Scopes.TenantClaim) is not { } tenant)
        {
            return null;
        }
        var source = user.Identity.AuthenticationType == AccessControl.BrowserScheme ? "ui"
            : context.Request.Headers[SourceHeader].ToString() == "cli" ? "cli" : "api";
        var revision = context.Request.Headers[RevisionHeader].ToString();
        return new AuditActor(tenant, user.FindFirstValue(Scopes.KeyIdClaim) ?? "unknown", user.FindFirstValue(Scopes.KeyNameClaim), source,
            Revision().IsMatch(revision) ? revision : null,
            bool.TryParse(context.Request.Headers[DirtyHeader].ToString(), out var dirty) ? dirty : null,
            Revision().IsMatch(context.Request.Headers[ManagedByHeader].ToString()) ? context.Request.Headers[ManagedByHeader].ToString() : null);
    }
}
