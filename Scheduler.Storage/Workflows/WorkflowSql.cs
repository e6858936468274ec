namespace Scheduler.Storage.Workflows;

/// <summary>The SQL for <c>workflows</c>, <c>workflow_runs</c> and the steps' executions.</summary>
internal static class WorkflowSql
{
    private const string Columns =
        """
        w.id, w.tenant, w.name, w.description, w.labels::text as Labels, w.definition::text as Definition,
        w.definition_hash as DefinitionHash, w.max_active_runs as MaxActiveRuns, w.version, w.created_at as CreatedAt, w.updated_at as UpdatedAt,
        w.parameters::text as ParametersJson, w.secret_refs as SecretRefs, w.managed_by as ManagedBy
        """;

    private const string ActiveRuns =
        "(select count(*)::int from workflow_runs r where r.workflow_id = w.id and r.status in ('queued', 'running')) as ActiveRuns";

    public const string Insert =
        $"""
        insert into workflows as w (id, tenant, name, description, labels, definition, definition_hash, max_active_runs, created_at, updated_at,
                                    parameters, secret_refs, managed_by)
        values (@Id, @Tenant, @Name, @Description, @Labels::jsonb, @Definition::jsonb, @DefinitionHash, @MaxActiveRuns, @Now, @Now,
                @Parameters::jsonb, @SecretRefs, @ManagedBy)
        on conflict (tenant, name) where state <> 'deleted' do nothing
        returning {Columns}, 0 as ActiveRuns
        """;

    public const string Get = $"select {Columns}, {ActiveRuns} from workflows w where w.tenant = @Tenant and w.id = @Id and w.state = 'active'";

    public const string Exists = "select exists (select 1 from workflows where tenant = @Tenant and name = @Name and state = 'active')";

    public const string List =
        $"""
        select {Columns}, {ActiveRuns} from workflows w
        where w.tenant = @Tenant and w.state = 'active' and (@After::uuid is null or w.id > @After)
          and (@Name::text is null or w.name ilike @Name escape '\') and w.labels @> @Labels::jsonb
        order by w.id
        limit @Limit
        """;

    // A change to a workflow locks it (and waits for a start's count in progress).
    public const string Lock = $"select {Columns} from workflows w where w.tenant = @Tenant and w.id = @Id and w.state = 'active' for update";

    public const string LockById = $"select {Columns} from workflows w where w.id = @Id for no key update";

    // A run that finishes takes the workflow's row in share mode before it starts queued runs: finishing runs do not wait
    // for each other, and a start (which takes it for update to count the runs in progress) sees either this run finished
    // or the queued run it makes started by it.
    public const string ShareById = "select max_active_runs from workflows where id = @Id for share";

    // A start reads the workflow unlocked, and locks it only for the count that decides running or queued.
    public const string Find =
        $"""
        select {Columns} from workflows w
        where w.tenant = @Tenant and w.state = 'active' and (w.id = @Id or (@Id::uuid is null and w.name = @Name))
        """;

    // No key update: the run just inserted holds a key-share lock on the row (its foreign key), which this must not wait for.
    public const string LockForCount = "select id from workflows where id = @Id and state = 'active' for no key update";

    public const string Update =
        $"""
        update workflows w
        set name = @Name, description = @Description, labels = @Labels::jsonb, definition = @Definition::jsonb,
            definition_hash = @DefinitionHash, max_active_runs = @MaxActiveRuns, version = w.version + 1, updated_at = @Now,
            parameters = @Parameters::jsonb, secret_refs = @SecretRefs, managed_by = coalesce(@ManagedBy, w.managed_by)
        where w.id = @Id
        returning {Columns}, {ActiveRuns}
        """;

    public const string Delete = "update workflows set state = 'deleted', updated_at = @Now where id = @Id";

    // Live schedules whose occurrences start runs of the workflow: named when it cannot be deleted or renamed.
    public const string SchedulesStarting =
        """
        select name from schedules
        where tenant = @Tenant and state <> 'deleted' and target->>'type' = 'workflow' and target->>'workflow' = @Name
        order by name limit 20
        """;

    public const string CountActive = "select count(*)::int from workflow_runs where workflow_id = @Id and status = 'running' and id <> @Except";

    public const string Queue = "update workflow_runs set status = 'queued', started_at = null where id = @Id";

    private const string RunColumns =
        """
        r.id, r.tenant, r.workflow_id as WorkflowId, r.workflow_name as WorkflowName, r.workflow_version as WorkflowVersion,
        r.definition::text as Definition, r.definition_hash as DefinitionHash, r.origin, r.trigger_execution_id as TriggerExecutionId,
        r.logical_date as LogicalDate, r.parameters::text as Parameters, r.status, r.attempt, r.cancel_requested_at as CancelRequestedAt,
        r.created_at as CreatedAt, r.started_at as StartedAt, r.finished_at as FinishedAt, r.updated_at as UpdatedAt,
        r.interval_start as IntervalStart, r.interval_end as IntervalEnd, r.backfill_id as BackfillId
        """;

    // A schedule's occurrence delivered twice starts one run: the second insert finds the first.
    public const string InsertRun =
        $"""
        insert into workflow_runs as r (id, tenant, workflow_id, workflow_name, workflow_version, definition, definition_hash, origin,
                                        trigger_execution_id, logical_date, parameters, status, created_at, started_at, updated_at,
                                        interval_start, interval_end, backfill_id)
        values (@Id, @Tenant, @WorkflowId, @WorkflowName, @WorkflowVersion, @Definition::jsonb, @DefinitionHash, @Origin,
                @TriggerExecutionId, @LogicalDate, @Parameters::jsonb, @Status, @Now, case when @Status = 'running' then @Now end, @Now,
                @IntervalStart, @IntervalEnd, @BackfillId)
        on conflict (trigger_execution_id) do nothing
        returning {RunColumns}
        """;

    public const string InsertAttempt =
        """
        insert into workflow_run_attempts (run_id, attempt, kind, steps, requested, created_at)
        values (@RunId, @Attempt, @Kind, @Steps, @Requested, @Now)
        """;

    public const string RunByTrigger = $"select {RunColumns} from workflow_runs r where r.trigger_execution_id = @TriggerExecutionId";

    public const string GetRun = $"select {RunColumns} from workflow_runs r where r.tenant = @Tenant and r.id = @Id";

    public const string RunById = $"select {RunColumns} from workflow_runs r where r.id = @Id";

    public const string LockRun = $"select {RunColumns} from workflow_runs r where r.id = @Id for update";

    public const string ListRuns =
        $"""
        select {RunColumns} from workflow_runs r
        where r.tenant = @Tenant and (@WorkflowId::uuid is null or r.workflow_id = @WorkflowId)
          and (@Status::text is null or r.status = @Status) and (@Before::uuid is null or r.id < @Before)
        order by r.id desc
        limit @Limit
        """;

    public const string Attempts =
        """
        select attempt, kind, steps, requested, created_at as CreatedAt from workflow_run_attempts
        where run_id = @RunId order by attempt
        """;

    // The steps of the run's current attempt (read after the run is locked, so the attempt is the current one).
    public const string CurrentAttemptSteps =
        """
        select a.steps from workflow_run_attempts a join workflow_runs r on r.id = a.run_id and r.attempt = a.attempt
        where a.run_id = @RunId
        """;

    // Each step's newest execution in the run (over all its attempts), by the executions_steps index.
    public const string StepStates =
        """
        select distinct on (step_id) step_id as StepId, status, end_reason as EndReason, run_attempt as RunAttempt, output::text as OutputJson
        from executions
        where workflow_run_id = @RunId
        order by step_id, run_attempt desc
        """;

    // Every execution of the run's steps, for the run's view (history kept: one row per step per attempt).
    public const string StepExecutions =
        $"""
        select {Executions.HistorySql.Columns} from executions e
        where e.workflow_run_id = @RunId
        order by e.run_attempt, e.created_at, e.id
        """;

    // The steps a decision starts (pending, due now) or does not run (skipped, with the reason). Unique per step and run
    // attempt: a decision made twice creates nothing twice.
    public const string InsertSteps =
        """
        insert into executions (id, schedule_id, tenant, schedule_name, scheduled_for, origin, occurrences, status, attempt, max_attempts,
                                next_attempt_at, target, created_at, completed_at, end_reason, note, completion, workflow_run_id, step_id,
                                run_attempt, step_context)
        select u.id, null, @Tenant, u.name, @Now, 'workflow', 1, u.status, 0, u.max_attempts,
               case when u.status = 'pending' then @Now end, u.target::jsonb, @Now, case when u.status = 'skipped' then @Now end,
               u.end_reason, u.note, u.completion::jsonb, @RunId, u.step_id, @Attempt, u.context::jsonb
        from unnest(@Ids::uuid[], @Names::text[], @Statuses::text[], @MaxAttempts::int[], @Targets::text[], @EndReasons::text[],
                    @Notes::text[], @Completions::text[], @StepIds::text[], @Contexts::text[])
             as u(id, name, status, max_attempts, target, end_reason, note, completion, step_id, context)
        on conflict (workflow_run_id, step_id, run_attempt) where workflow_run_id is not null do nothing
        """;

    public const string FinishRun =
        """
        update workflow_runs set status = @Status, finished_at = @Now, updated_at = @Now where id = @Id
        """;

    // Queued runs that may start now that one has finished, oldest first (one finishing run starts at most as many as are free).
    public const string Dequeue =
        """
        select id from workflow_runs
        where workflow_id = @WorkflowId and status = 'queued'
        order by id
        limit greatest(0, @MaxActiveRuns - (select count(*) from workflow_runs where workflow_id = @WorkflowId and status = 'running'))
        for update skip locked
        """;

    public const string StartQueued =
        "update workflow_runs set status = 'running', started_at = coalesce(started_at, @Now), updated_at = @Now where id = any(@Ids)";

    // A resume or rerun: a new attempt of the same run, running again (or queued behind maxActiveRuns).
    public const string Reopen =
        """
        update workflow_runs
        set status = @Status, attempt = @Attempt, finished_at = null, cancel_requested_at = null,
            started_at = case when @Status = 'running' then coalesce(started_at, @Now) end, updated_at = @Now
        where id = @Id
        """;

    public const string RequestCancel =
        """
        update workflow_runs set cancel_requested_at = coalesce(cancel_requested_at, @Now), updated_at = @Now where id = @Id
        """;

    // A cancelled run's steps that have not finished: each as a cancel of the execution makes it (ResultStore.StatusAfterCancel).
    public const string UnfinishedSteps =
        """
        select id, status from executions
        where workflow_run_id = @RunId and status not in ('succeeded', 'dead', 'skipped', 'cancelled')
        order by id
        for update
        """;
}
