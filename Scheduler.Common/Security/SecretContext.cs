using System.Text;

namespace Scheduler.Common.Security;

/// <summary>
/// What a stored secret belongs to: its tenant, the kind of thing holding it, that thing's id and the field. A ciphertext is
/// bound to it (AES-GCM associated data), so one copied or moved to another tenant, object or column does not decrypt.
/// </summary>
/// <param name="Owner">The owning object's id as text (empty where one key ring serves the whole installation).</param>
/// <param name="Field">The field, in lower case: header names are case-insensitive, so <c>Authorization</c> and
/// <c>authorization</c> are one field.</param>
public sealed record SecretContext(string Tenant, string Kind, string Owner, string Field)
{
    /// <summary>A schedule's target (and every execution copied from it): sensitive header values and the signing secret.</summary>
    public static SecretContext ScheduleTarget(string tenant, Guid scheduleId, string field) =>
        new(tenant, "schedule", scheduleId.ToString("D"), field.ToLowerInvariant());

    /// <summary>A workflow step's target (in the workflow, each run's copy and each step execution): bound to the workflow and step id.</summary>
    public static SecretContext WorkflowStepTarget(string tenant, Guid workflowId, string stepId, string field) =>
        new(tenant, "workflow-step", $"{workflowId:D}/{stepId}", field.ToLowerInvariant());

    /// <summary>A named secret's value (a row of <c>secrets</c>).</summary>
    public static SecretContext NamedSecret(string tenant, Guid secretId) => new(tenant, "secret", secretId.ToString("D"), "value");

    /// <summary>
    /// A key of the API's Data Protection key ring: not a tenant's, and the encryptor is not told which key it encrypts, so
    /// it is bound to its kind only (it still never decrypts as a tenant's secret, nor one of those as a key).
    /// </summary>
    public static SecretContext DataProtectionKey { get; } = new("", "data-protection-key", "", "xml");

    /// <summary>
    /// The associated data: <c>scheduleman-secret/v2</c>, then each part as <c>|&lt;length&gt;:&lt;text&gt;</c> (length in UTF-16
    /// code units), so that no two contexts give the same bytes whatever characters their parts hold.
    /// </summary>
    internal byte[] AssociatedData()
    {
        var text = new StringBuilder("scheduleman-secret/v2");
        foreach (var part in (ReadOnlySpan<string>)[Tenant, Kind, Owner, Field])
        {
            text.Append('|').Append(part.Length).Append(':').Append(part);
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>For error messages: the field and its owner, never a value (and no tenant but the reader's own).</summary>
    public string Describe() => Owner.Length == 0 ? $"{Kind} {Field}" : $"{Field} of {Kind} {Owner}";
}
