namespace Scheduler.Crud.Api.Access;

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// False lets every request in as an admin of <see cref="BootstrapTenant"/>: for local demos only. The API
    /// then says so at startup and on every response (<c>Scheduleman-Auth: disabled</c>).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>An admin key accepted without being stored (e.g. from a Kubernetes secret), to create the first keys with.</summary>
    public string? BootstrapKey { get; set; }

    /// <summary>The tenant of the bootstrap key, and everyone's tenant when auth is disabled.</summary>
    public string BootstrapTenant { get; set; } = "default";
}
