# The two aws:executeScript handlers of LayerGuard's Automation documents
# (infra/constructs/runbook-documents.ts embeds this file in every document).
# Plain Python 3.11, the standard library only: the scripts call no AWS API, so they need no role of
# their own (the aws:executeScript page of the Systems Manager user guide: a role is needed only for
# scripts that call AWS or log to CloudWatch Logs).
import json

# The outcome vocabulary (functions/core/outcome.ts OUTCOME_STATUSES), most urgent first: the
# automation reports the most urgent outcome of the run. A test keeps the two lists equal.
URGENCY = ['failed', 'alert-only', 'remediated', 'dry-run', 'exempt', 'already-compliant', 'ignored']


class RunbookFailed(Exception):
    """Raised to fail the step, and so the automation (onFailure: Abort): its message is the reason."""


def _flag(value):
    # A Boolean parameter may reach the script as a bool or as its text; anything else is refused,
    # never read as "revert".
    if isinstance(value, bool):
        return value
    if value in ('true', 'false'):
        return value == 'true'
    raise RunbookFailed(f'DryRun must be true or false, not {value!r}')


def build_payload(events, context):
    """The runbook function's payload from the document's parameters.

    The function's schema (functions/core/runbook.ts) is strict: an optional field is absent, never
    an empty string, so the parameters left at their default '' are dropped here.
    """
    payload = {key: value for key, value in events.items() if key != 'dryRun' and value != ''}
    payload['dryRun'] = _flag(events.get('dryRun'))
    return {'payload': json.dumps(payload, separators=(',', ':'))}


def _answer_of(events):
    # The invocation's Payload output is the function's JSON answer; accept it parsed or as text.
    answer = events.get('Payload')
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except ValueError as error:
            raise RunbookFailed('the runbook function answered something that is not JSON') from error
    if not isinstance(answer, dict):
        raise RunbookFailed('the runbook function gave no answer')
    return answer


def check_outcome(events, context):
    """Fails the automation when the invocation or any outcome failed; else names the outcome."""
    status_code = str(events.get('StatusCode', ''))
    if status_code != '200':
        raise RunbookFailed(f'the runbook function was not invoked: status {status_code or "unknown"}')
    answer = _answer_of(events)
    # A function error comes back with status 200 and {errorType, errorMessage} as the payload
    # (Lambda Invoke API reference: FunctionError; Node.js errors: the errorType/errorMessage body).
    if 'errorMessage' in answer or 'errorType' in answer:
        raise RunbookFailed(f"the runbook function failed: {answer.get('errorType', 'Error')}: {answer.get('errorMessage', '')}")
    # What the payload named does not exist (a typo, another account or region): nothing was judged,
    # as the CLI's runbook fails with "not found".
    if answer.get('notFound'):
        raise RunbookFailed(f"not found: {', '.join(answer['notFound'])}: nothing was judged")
    outcomes = answer.get('outcomes')
    if not isinstance(outcomes, list):
        raise RunbookFailed('the runbook function answered without outcomes')
    unknown = sorted({o.get('outcome') for o in outcomes} - set(URGENCY), key=str)
    if unknown:
        raise RunbookFailed(f'unknown outcome {unknown[0]!r}: this document is older than the function')
    if not outcomes:
        return {'status': 'already-compliant', 'reason': 'no outcome: nothing to revert', 'runbookId': answer.get('runbookId', '')}
    worst = min(outcomes, key=lambda o: URGENCY.index(o['outcome']))
    others = len(outcomes) - 1
    reason = worst.get('reason', '') + (f' (and {others} more outcome{"s" if others > 1 else ""})' if others else '')
    if worst['outcome'] == 'failed':
        raise RunbookFailed(f'failed: {reason}')
    return {'status': worst['outcome'], 'reason': reason, 'runbookId': answer.get('runbookId', '')}
