package io.shardflow.api.dashboard;

import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Audit;
import io.shardflow.api.security.Callers;
import io.shardflow.db.lanes.AdmissionSignal;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.workers.WorkerRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.stereotype.Controller;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

/**
 * Drain and resume a worker from the workers page. Draining: its lanes are offered no new task (from now on, and
 * when they claim a slot again), the tasks dispatched to it and not started go back to the queue at once, and what
 * it runs finishes; the process keeps running, as for maintenance or a deploy. Resuming offers its lanes tasks
 * again. Both are in the audit log.
 */
@Controller
class WorkerActions {
    private final WorkerRegistry workers;
    private final ShardRepository shards;
    private final AdmissionSignal admission;
    private final Audit audit;
    private final TransactionTemplate tx;

    WorkerActions(
            WorkerRegistry workers,
            ShardRepository shards,
            AdmissionSignal admission,
            Audit audit,
            TransactionTemplate tx) {
        this.workers = workers;
        this.shards = shards;
        this.admission = admission;
        this.audit = audit;
        this.tx = tx;
    }

    @PostMapping("/workers/{id}/drain")
    public String drain(@PathVariable String id) {
        int returned = change(id, true);
        return "redirect:/workers?drained=" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "&returned=" + returned;
    }

    @PostMapping("/workers/{id}/resume")
    public String resume(@PathVariable String id) {
        change(id, false);
        return "redirect:/workers?resumed=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    /** Drains or resumes, in one transaction; returns how many unstarted tasks went back to the queue. */
    private int change(String id, boolean drain) {
        Integer returned = tx.execute(s -> {
            if (!workers.setDraining(id, drain)) {
                throw new NotFoundException("worker", id);
            }
            int back = drain ? shards.returnUnstarted(id) : 0;
            // the queue changed (tasks back) or lanes became free: admission looks again, in every process
            admission.wakeAfterCommit();
            audit.record(Callers.authenticated(), drain ? "worker.drain" : "worker.resume", null, id, null);
            return back;
        });
        return returned == null ? 0 : returned;
    }
}
