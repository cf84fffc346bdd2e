// The cronofy SDK ships no types; tests use it as an untyped client, exactly as a JavaScript app would.
declare module 'cronofy' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Cronofy: any;
  export default Cronofy;
}
