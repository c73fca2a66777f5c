package io.shardflow.scheduler.training;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The state each training job's last merge in this process left, decoded, so the next merge (most often here too)
 * need not read and decode the parameters and optimiser state it has just written. Only a hint: a merge takes the
 * state out and uses it only when the stored row's stamp is the one the state was written with, so a version that
 * another process wrote, or rewrote (a resume), is read from its row; and a merge that fails leaves nothing here it
 * had begun to change. A job's last merge keeps nothing; beyond a bound in bytes the least recently kept go first
 * (a job that was cancelled between rounds, say).
 */
final class KeptStates {
    /** Room for a few large jobs' parameters with their Adam moments; a state beyond it is simply read again. */
    private static final long MAX_BYTES = 256L << 20;

    private final LinkedHashMap<UUID, TrainingState> states = new LinkedHashMap<>();
    private long bytes;

    /** The job's kept state, taken out: whoever takes it may change it. */
    synchronized @Nullable TrainingState take(UUID jobId) {
        var state = states.remove(jobId);
        if (state != null) {
            bytes -= bytes(state);
        }
        return state;
    }

    /** Keeps the state a merge has stored (its {@code stamp} that of the stored row) for the job's next one. */
    synchronized void keep(UUID jobId, TrainingState state) {
        take(jobId);
        long size = bytes(state);
        if (size > MAX_BYTES) {
            return;
        }
        states.put(jobId, state);
        bytes += size;
        var oldest = states.entrySet().iterator();
        while (bytes > MAX_BYTES && oldest.hasNext()) {
            Map.Entry<UUID, TrainingState> eldest = oldest.next();
            bytes -= bytes(eldest.getValue());
            oldest.remove();
        }
    }

    private static long bytes(TrainingState state) {
        long floats = 0;
        for (float[] p : state.params) {
            floats += p.length;
        }
        // parameters, and Adam's two moments at most
        return 3 * floats * Float.BYTES;
    }
}
