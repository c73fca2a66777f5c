package io.shardflow.api.dashboard;

import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.shards.ShardRepository.Cell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A job's shards for its page: totals over every round, the last rounds as a grid, and earlier rounds only where a
 * shard failed or was retried. A training job of 450 steps is a few lines, not 450 rows.
 *
 * @param rounds rounds in all (a round: one step and stage)
 * @param shards shard rows in all
 * @param done shards DONE
 * @param failed shards FAILED on their own (not because their job ended)
 * @param retried shards whose attempt is past the first
 * @param running shards DISPATCHED or RUNNING
 * @param shown the rounds to show, in order
 * @param hidden rounds left out (uneventful ones before the last)
 */
public record RoundsSummary(
        int rounds, int shards, int done, int failed, int retried, int running, List<Round> shown, int hidden) {

    /** One round: its name, whether a shard of it failed or was retried, and its shards. */
    public record Round(String name, boolean troubled, List<Cell> cells) {}

    /** The last {@code last} rounds, and up to {@code earlier} troubled rounds before them. */
    public static RoundsSummary of(List<Cell> cells, int last, int earlier) {
        var byRound = new LinkedHashMap<String, List<Cell>>();
        int done = 0;
        int failed = 0;
        int retried = 0;
        int running = 0;
        for (var cell : cells) {
            byRound.computeIfAbsent("step " + cell.step() + " · stage " + cell.stage(), k -> new ArrayList<>())
                    .add(cell);
            done += cell.status() == ShardStatus.DONE ? 1 : 0;
            failed += failedOnItsOwn(cell) ? 1 : 0;
            retried += cell.attempt() > 1 ? 1 : 0;
            running += cell.status() == ShardStatus.DISPATCHED || cell.status() == ShardStatus.RUNNING ? 1 : 0;
        }
        var all = byRound.entrySet().stream()
                .map(e -> new Round(
                        e.getKey(),
                        e.getValue().stream().anyMatch(c -> failedOnItsOwn(c) || c.attempt() > 1),
                        e.getValue()))
                .toList();
        int tail = Math.max(0, all.size() - last);
        var shown = new ArrayList<Round>();
        for (var round : all.subList(0, tail)) {
            if (round.troubled() && shown.size() < earlier) {
                shown.add(round);
            }
        }
        shown.addAll(all.subList(tail, all.size()));
        return new RoundsSummary(
                all.size(),
                cells.size(),
                done,
                failed,
                retried,
                running,
                List.copyOf(shown),
                all.size() - shown.size());
    }

    private static boolean failedOnItsOwn(Cell cell) {
        return cell.status() == ShardStatus.FAILED && cell.failure() != ShardFailure.JOB_ENDED;
    }
}
