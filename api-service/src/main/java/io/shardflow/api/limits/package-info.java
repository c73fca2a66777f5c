/**
 * The limits every input of the API has ({@code shardflow.api.limits.*}): request and upload sizes, columns, model
 * parameters, prompts, each tenant's stored bytes. Each is checked before anything is written and answered with
 * {@code application/problem+json} that names the limit and the value.
 */
@NullMarked
package io.shardflow.api.limits;

import org.jspecify.annotations.NullMarked;
