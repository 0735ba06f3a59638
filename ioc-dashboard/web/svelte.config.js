/** Svelte compiler options for the web app (TypeScript in components needs no preprocessor in Svelte 5). */
export default {};
