import { z } from 'zod';

/** The original's answer when there is nothing to return but a confirmation: `{"detail": "..."}`. */
export const detailJson = z.object({ detail: z.string() }).meta({ id: 'Detail', description: 'A confirmation in words' });
