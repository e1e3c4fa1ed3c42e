/** The Flylight mark: a hot-air balloon (fly.io's emblem) lit from within. */
export function Logo({ size = 26 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <defs>
        <linearGradient id="fl-balloon" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#c4b5fd" />
          <stop offset="0.55" stopColor="#8b5cf6" />
          <stop offset="1" stopColor="#d946ef" />
        </linearGradient>
      </defs>
      <path
        d="M16 2.5c-6.1 0-10.5 4.4-10.5 10 0 4.6 3.4 8.3 7 10.6h7c3.6-2.3 7-6 7-10.6 0-5.6-4.4-10-10.5-10z"
        fill="url(#fl-balloon)"
      />
      <path
        d="M16 2.5c-2.6 2.6-3.8 6.2-3.8 10s1.1 7.6 2.3 10.6M16 2.5c2.6 2.6 3.8 6.2 3.8 10s-1.1 7.6-2.3 10.6"
        fill="none"
        stroke="#0b0f17"
        strokeOpacity="0.35"
        strokeWidth="1.1"
      />
      <path d="M13 23.4l.9 3.1M19 23.4l-.9 3.1" stroke="#8b93a7" strokeWidth="1" />
      <rect x="13.4" y="26.3" width="5.2" height="3.4" rx="1" fill="#8b93a7" />
    </svg>
  );
}
