// Cronofy's 422 shape: {"errors": {"field": [{"key": "errors.required", "description": "required"}]}}.
import { ApiError } from '../errors.js';

export class FieldErrors {
  private readonly errors: Record<string, Array<{ key: string; description: string }>> = {};

  add(field: string, key: string, description: string): this {
    (this.errors[field] ??= []).push({ key: `errors.${key}`, description });
    return this;
  }

  get empty(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  /** Throws the 422 when anything was added. */
  throwIfAny(): void {
    if (!this.empty) throw new ApiError(422, { errors: this.errors });
  }
}
