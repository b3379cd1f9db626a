//! SchedulingGates: a pod with scheduling gates waits in the queue (PreEnqueue).

use crate::cluster::template::Template;
use crate::framework::{Code, Plugin, Reason, Rejection};

/// PreEnqueue.
pub(crate) fn pre_enqueue(t: &Template) -> Option<Rejection> {
    (!t.scheduling_gates.is_empty()).then(|| Rejection {
        plugin: Plugin::SchedulingGates,
        code: Code::UnschedulableAndUnresolvable,
        reasons: vec![Reason::SchedulingGates(t.scheduling_gates.clone())],
    })
}
